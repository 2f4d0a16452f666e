"""followup's messaging adapter sends through the Notify API (against the Notify stand-in as a
process): a letter arrives JWT-verified with its PDF carrying the resident's name and the
template version; a Notify that is down, or refusing our key, makes the event wait
(DependencyUnavailable); a message Notify refuses is a clear error without personal data; the
stand-in's URL and development key are refused in production."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from pypdf import PdfReader

from vroeg.deploy.processes import NOTIFY_STANDIN, ServiceProcess, free_port
from vroeg.followup.letters import Municipality, Recipient, render_letter
from vroeg.followup.notify import DEVELOPMENT_API_KEY, Notify, NotifyRefused, NotifySettings
from vroeg.shared.messaging.consumer import DependencyUnavailable

NAME = "Jeroen van 't Hoff-Ëlberg"
AMSTERDAM = Municipality(
    name="Amsterdam",
    phone="14 020",
    email="geldzorgen@amsterdam.nl",
    website="amsterdam.nl/geldzorgen",
    reachable="op werkdagen van 9.00 tot 17.00 uur",
    return_address=["Postbus 202", "1000 AE Amsterdam"],
)
CONTACT = {"gemeente": "Amsterdam", "telefoon": "14 020", "website": "amsterdam.nl"}
ANOTHER_KEY = (
    "vroeg_ontwikkeling-6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b-00000000-0000-4000-8000-000000000000"
)


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    log = Path(tmp_path_factory.mktemp("notify")) / "notify.log"
    process = ServiceProcess(NOTIFY_STANDIN, free_port(), {}, log)
    process.start()
    process.wait_ready(30)
    yield process
    process.stop()


def notify_at(url: str, **settings: Any) -> Notify:
    return Notify(
        NotifySettings.model_validate(
            {"VROEG_ENVIRONMENT": "test", "VROEG_NOTIFY_BASE_URL": url, **settings}
        )
    )


def received(standin: ServiceProcess, notification_id: object) -> dict[str, Any]:
    kept = httpx.get(f"{standin.url}/_stand-in/received", timeout=5).json()["received"]
    [entry] = [e for e in kept if e["id"] == str(notification_id)]
    return dict(entry)


async def test_a_letter_arrives_signed_with_the_name_and_template_version(
    standin: ServiceProcess,
) -> None:
    letter = render_letter(
        Recipient(NAME, ["Ĳsselstraat 12 bis", "1011 AB  AMSTERDAM"]),
        AMSTERDAM,
        on=date(2026, 12, 3),
        reference="poging-7",
    )
    notification_id = await notify_at(standin.url).send_letter_pdf(letter.pdf, reference="poging-7")

    entry = received(standin, notification_id)
    # Kept only after the stand-in verified the token against the development key.
    assert entry["service_id"] == DEVELOPMENT_API_KEY[-73:-37]
    assert entry["key_name"] == "vroeg_ontwikkeling"
    assert entry["type"] == "letter"
    assert entry["request"]["reference"] == "poging-7"
    pdf = base64.b64decode(entry["request"]["content"])
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert NAME in text
    assert "Brief eerste-brief-v1" in text
    assert letter.template == "eerste-brief-v1"


async def test_sms_and_email_go_out_from_the_configured_templates(
    standin: ServiceProcess,
) -> None:
    notify = notify_at(standin.url)
    sms = await notify.send_sms("+31 6 12345678", {"naam": NAME, **CONTACT}, reference="p-1")
    email = await notify.send_email(
        "jeroen@example.nl",
        {"naam": NAME, "email": "geldzorgen@amsterdam.nl", **CONTACT},
        reference="p-2",
    )
    assert received(standin, sms)["request"]["phone_number"] == "+31 6 12345678"
    assert received(standin, email)["request"]["email_address"] == "jeroen@example.nl"
    assert await notify.notification_with_reference("p-2") == email
    assert await notify.notification_with_reference("never-sent") is None


async def test_a_notify_that_is_down_makes_the_event_wait() -> None:
    notify = notify_at(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(DependencyUnavailable, match="Notify unreachable"):
        await notify.send_sms("0612345678", {"naam": NAME, **CONTACT}, reference="p-3")


async def test_a_refused_api_key_makes_the_event_wait(standin: ServiceProcess) -> None:
    notify = notify_at(standin.url, VROEG_NOTIFY_API_KEY=ANOTHER_KEY)
    with pytest.raises(DependencyUnavailable, match="refused our API key"):
        await notify.send_letter_pdf(b"%PDF-1.7\n", reference="p-4")


async def test_a_message_notify_refuses_is_a_clear_error_without_personal_data(
    standin: ServiceProcess,
) -> None:
    notify = notify_at(standin.url)
    with pytest.raises(NotifyRefused) as refused:
        await notify.send_sms("06-BEL-JEROEN", {"naam": NAME, **CONTACT}, reference="p-5")
    assert str(refused.value) == "Notify refused the SMS: HTTP 400 (ValidationError)"
    assert refused.value.errors == [
        {"error": "ValidationError", "message": "phone_number Must not contain letters or symbols"}
    ]
    with pytest.raises(NotifyRefused, match=r"HTTP 400 \(BadRequestError\)"):
        await notify.send_email("jeroen@example.nl", {"naam": NAME}, reference="p-6")


def test_production_refuses_the_standin_and_its_development_key() -> None:
    with pytest.raises(ValidationError) as refused:
        NotifySettings.model_validate({"VROEG_ENVIRONMENT": "production"})
    message = str(refused.value)
    assert "VROEG_NOTIFY_BASE_URL must be an https URL" in message
    assert "VROEG_NOTIFY_API_KEY must be the municipality's own Notify key" in message
    assert "VROEG_NOTIFY_SMS_TEMPLATE_ID must name a template" in message
    assert "VROEG_NOTIFY_EMAIL_TEMPLATE_ID must name a template" in message
    assert DEVELOPMENT_API_KEY not in message


def test_production_takes_its_own_notify() -> None:
    settings = NotifySettings.model_validate(
        {
            "VROEG_ENVIRONMENT": "production",
            "VROEG_NOTIFY_BASE_URL": "https://api.notifynl.nl",
            "VROEG_NOTIFY_API_KEY": ANOTHER_KEY,
            "VROEG_NOTIFY_SMS_TEMPLATE_ID": "11111111-2222-4333-8444-555555555555",
            "VROEG_NOTIFY_EMAIL_TEMPLATE_ID": "66666666-7777-4888-9999-000000000000",
        }
    )
    assert settings.base_url == "https://api.notifynl.nl"


@pytest.mark.parametrize(
    "key", ["geheim", DEVELOPMENT_API_KEY[37:], DEVELOPMENT_API_KEY.replace("-2d8e", "_2d8e")]
)
def test_a_key_that_is_no_notify_key_is_refused_without_repeating_it(key: str) -> None:
    with pytest.raises(ValidationError) as refused:
        NotifySettings.model_validate({"VROEG_ENVIRONMENT": "test", "VROEG_NOTIFY_API_KEY": key})
    assert "VROEG_NOTIFY_API_KEY must be a Notify API key" in str(refused.value)
    assert key not in str(refused.value)
