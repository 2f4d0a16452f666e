"""The AsyncAPI 3.0 document of the platform, generated from the topic catalogue.

Each message is documented as it travels (`cloudevents.encode`): the payload is the event as
serialised, without the attributes that travel as `ce_*` headers; the headers are documented as
message headers.
"""

from __future__ import annotations

from typing import Any

from vroeg.shared.cloudevents import CONTENT_TYPE, ENVELOPE_FIELDS, SPEC_VERSION
from vroeg.shared.events import EVENT_CLASSES, Event
from vroeg.shared.topics import SERVICE_JOBS, TOPICS, dead_letter_topic

_SCHEMAS = "#/components/schemas/"
TRACEPARENT_PATTERN = "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


def payload_schema(cls: type[Event]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON Schema of an event's Kafka value, and the schemas it refers to."""
    schema = cls.model_json_schema(mode="serialization", ref_template=_SCHEMAS + "{model}")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    for name in ENVELOPE_FIELDS:
        schema["properties"].pop(name)
    schema["required"] = [f for f in schema.get("required", []) if f not in ENVELOPE_FIELDS]
    return schema, definitions


def headers_schema(cls: type[Event]) -> dict[str, Any]:
    """The headers of an event's Kafka record: the CloudEvents attributes, its type fixed."""
    return {
        "type": "object",
        "allOf": [
            {"$ref": _SCHEMAS + "CloudEventsHeaders"},
            {"properties": {"ce_type": {"const": cls.cloudevents_type()}}},
        ],
    }


def asyncapi_document() -> dict[str, Any]:
    """Channels are topics; each producer sends and each consumer receives on its channel."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for cls in EVENT_CLASSES:
        schema, definitions = payload_schema(cls)
        schemas.update(definitions)
        schemas[cls.__name__] = schema
    messages = {
        cls.__name__: {
            "name": cls.cloudevents_type(),
            "title": cls.__name__,
            "summary": (cls.__doc__ or "").strip(),
            "contentType": CONTENT_TYPE,
            "headers": headers_schema(cls),
            "payload": {"$ref": _SCHEMAS + cls.__name__},
        }
        for cls in EVENT_CLASSES
    }
    for topic in TOPICS:
        channel_id = topic.name.replace(".", "_")
        message_ref = {"$ref": f"#/channels/{channel_id}/messages/{topic.event.__name__}"}
        channels[channel_id] = {
            "address": topic.name,
            "description": topic.description,
            "messages": {
                topic.event.__name__: {"$ref": f"#/components/messages/{topic.event.__name__}"}
            },
        }
        operations[f"{topic.producer}_sends_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [message_ref],
            "x-service": topic.producer,
        }
        for consumer in topic.consumers:
            operations[f"{consumer}_receives_{channel_id}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "messages": [message_ref],
                "x-service": consumer,
            }
    for service in SERVICE_JOBS:
        channel_id = dead_letter_topic(service).replace(".", "_")
        channels[channel_id] = {
            "address": dead_letter_topic(service),
            "description": f"Records {service} could not process after its bounded retries, "
            "with vroeg_dlq_* headers saying where they came from and why.",
        }
    schemas["CloudEventsHeaders"] = {
        "type": "object",
        "description": "CloudEvents 1.0 in the Kafka protocol binding, binary content mode: the "
        "attributes as ce_* headers (the event's id and time travel only here), and the W3C "
        "trace context of the producer's span.",
        "required": [
            "ce_specversion",
            "ce_id",
            "ce_source",
            "ce_type",
            "ce_time",
            "ce_municipality",
            "content-type",
        ],
        "properties": {
            "ce_specversion": {"const": SPEC_VERSION},
            "ce_id": {"type": "string", "format": "uuid", "description": "The event's id."},
            "ce_source": {
                "type": "string",
                "pattern": "^/vroeg/",
                "description": "/vroeg/<producing service>",
            },
            "ce_type": {"type": "string", "description": "nl.vroeg.<event>.v<version>"},
            "ce_time": {
                "type": "string",
                "format": "date-time",
                "description": "When the event happened (its occurred_at).",
            },
            "ce_municipality": {
                "type": "string",
                "pattern": "^\\d{4}$",
                "description": "CloudEvents extension attribute: the CBS code of the "
                "municipality the event belongs to.",
            },
            "content-type": {"const": CONTENT_TYPE},
            "traceparent": {
                "type": "string",
                "pattern": TRACEPARENT_PATTERN,
                "description": "W3C Trace Context of the producer's span, as OpenTelemetry "
                "propagates it in Kafka headers; not the CloudEvents distributed-tracing "
                "extension (which would be ce_traceparent).",
            },
            "tracestate": {"type": "string", "description": "W3C Trace Context."},
            "baggage": {"type": "string", "description": "W3C Baggage, when set."},
        },
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "vroeg events",
            "version": "1.0.0",
            "description": "Every topic of the vroeg platform, who writes it and who reads it.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
