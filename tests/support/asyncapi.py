"""Records checked against `docs/asyncapi.yaml` with a JSON Schema validator, as a consumer
written from the document alone would check them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

DOCUMENT_PATH = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"
_BASE = "urn:vroeg:asyncapi"


class AsyncApiContract:
    """The AsyncAPI document's channels, messages and schemas, ready to validate records."""

    def __init__(self, path: Path = DOCUMENT_PATH) -> None:
        self.document: dict[str, Any] = yaml.safe_load(path.read_text())
        # AsyncAPI's default schema format is a superset of JSON Schema Draft 7.
        resource = Resource.from_contents(self.document, default_specification=DRAFT7)
        self._registry: Registry[Any] = Registry().with_resource(_BASE, resource)

    def message_pointer(self, address: str) -> str:
        """The JSON pointer of the one message of the channel with this Kafka address."""
        channels = [c for c in self.document["channels"].values() if c["address"] == address]
        assert len(channels) == 1, f"{address}: {len(channels)} channels"
        messages = list(channels[0].get("messages", {}).values())
        assert len(messages) == 1, f"{address}: {len(messages)} messages"
        ref: str = messages[0]["$ref"]
        return ref

    def problems(self, address: str, headers: Mapping[str, str], value: bytes) -> list[str]:
        """What is wrong with a record on `address` by the document; empty when it conforms."""
        pointer = self.message_pointer(address)
        found = []
        for part, instance in (("headers", dict(headers)), ("payload", json.loads(value))):
            validator = Draft7Validator(
                {"$ref": f"{_BASE}{pointer}/{part}"},
                registry=self._registry,
                format_checker=Draft7Validator.FORMAT_CHECKER,
            )
            found += [
                f"{part} {'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors(instance)
            ]
        return found
