"""The architecture page and the AsyncAPI document tell the truth about the code."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from vroeg.deploy.docs import architecture_page, asyncapi_yaml
from vroeg.shared.service import Resources
from vroeg.shared.topics import SERVICES, TOPICS, UNREAD, consumed_by

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_architecture_page_is_generated_from_the_topic_catalogue() -> None:
    assert (DOCS / "architecture.md").read_text() == architecture_page(), "run `vroeg docs`"


def test_the_asyncapi_document_is_generated_from_the_topic_catalogue() -> None:
    assert (DOCS / "asyncapi.yaml").read_text() == asyncapi_yaml(), "run `vroeg docs`"


def test_every_topic_is_written_and_read_by_known_services() -> None:
    for topic in TOPICS:
        assert topic.producer in SERVICES
        assert bool(topic.consumers) != (topic.name in UNREAD), topic.name
        assert set(topic.consumers) <= set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_reads_exactly_the_topics_the_catalogue_gives_it(service: str) -> None:
    package = f"vroeg.{service.replace('-', '_')}"
    consumer = importlib.import_module(f"{package}.consumer")
    settings = importlib.import_module(f"{package}.settings").Settings()
    async with Resources() as stack:
        subscriptions = await consumer.subscriptions(stack, settings)
    assert {s.topic.name for s in subscriptions} == {t.name for t in consumed_by(service)}
