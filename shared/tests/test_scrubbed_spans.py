"""What an exported span may not say: an exception's text, a status description, a URL's
query (`telemetry.Scrubbed`, around every exporter)."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from vroeg.shared.telemetry import Scrubbed


def _exported(attributes: dict[str, str], *, error: str | None = None) -> dict[str, object]:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(Scrubbed(memory)))
    with provider.get_tracer(__name__).start_as_current_span("s", attributes=attributes) as span:
        if error is not None:
            span.record_exception(ValueError(error))
            span.set_status(Status(StatusCode.ERROR, error))
    [done] = memory.get_finished_spans()
    texts = [str(v) for v in (done.attributes or {}).values()] + [str(done.status.description)]
    texts += [str(v) for e in done.events for v in (e.attributes or {}).values()]
    return {"attributes": dict(done.attributes or {}), "texts": " ".join(texts)}


def test_a_url_s_query_is_redacted_whole_wherever_it_is_recorded() -> None:
    exported = _exported(
        {
            "url.full": "https://ontvanger.example/hook?token=s3cret&s3cret",
            "http.url": "https://ontvanger.example/hook?token=s3cret",
            "http.target": "/v1/callback?code=s3cret&state=x",
            "url.query": "code=s3cret&state=x?y",
            "url.path": "/v1/callback",
        }
    )
    assert exported["attributes"] == {
        "url.full": "https://ontvanger.example/hook?REDACTED",
        "http.url": "https://ontvanger.example/hook?REDACTED",
        "http.target": "/v1/callback?REDACTED",
        "url.query": "REDACTED",
        "url.path": "/v1/callback",
    }


def test_a_url_without_a_query_and_other_attributes_are_kept() -> None:
    kept = {"url.full": "https://brp.example/personen", "http.request.method": "POST"}
    assert _exported(kept)["attributes"] == kept


def test_an_exception_s_text_and_the_status_description_are_left_out() -> None:
    exported = _exported({"url.query": "a=b"}, error="Jansen, 1979-03-04")
    assert "Jansen" not in str(exported["texts"])
    assert exported["attributes"] == {"url.query": "REDACTED"}
