"""The AsyncAPI 3.0 document of the platform, generated from the topic catalogue."""

from __future__ import annotations

from typing import Any

from vroeg.shared.events import EVENT_CLASSES
from vroeg.shared.topics import SERVICE_JOBS, TOPICS, dead_letter_topic


def asyncapi_document() -> dict[str, Any]:
    """Channels are topics; each producer sends and each consumer receives on its channel."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for cls in EVENT_CLASSES:
        schema = cls.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[cls.__name__] = schema
    messages = {
        cls.__name__: {
            "name": cls.cloudevents_type(),
            "title": cls.__name__,
            "summary": (cls.__doc__ or "").strip(),
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CloudEventsHeaders"},
            "payload": {"$ref": f"#/components/schemas/{cls.__name__}"},
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
        "description": "CloudEvents 1.0 Kafka binary mode, plus W3C trace context.",
        "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time"],
        "properties": {
            "ce_specversion": {"const": "1.0"},
            "ce_id": {"type": "string", "format": "uuid"},
            "ce_source": {"type": "string"},
            "ce_type": {"type": "string"},
            "ce_time": {"type": "string", "format": "date-time"},
            "ce_municipality": {"type": "string", "pattern": "^\\d{4}$"},
            "traceparent": {"type": "string"},
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
