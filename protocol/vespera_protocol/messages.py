"""The registry of custom messages: method name -> params type (and result type for requests).

Standard LSP features need none of this; custom messages are added here as the sidecar grows,
each with a constant for its method name and msgspec types for its payloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import msgspec

PROTOCOL_VERSION = "0.1.0"


@dataclass(frozen=True)
class Message:
    """A custom JSON-RPC method: its kind, its params type and, for requests, its result type."""

    method: str
    kind: Literal["request", "notification"]
    params: type[msgspec.Struct]
    result: type[Any] | None = None
    doc: str = ""


# Filled as custom messages are defined; the schema generator and the tests read it.
MESSAGES: dict[str, Message] = {}


def schema() -> dict[str, Any]:
    """A JSON Schema with one definition per payload type, and the method table."""
    types = [m.params for m in MESSAGES.values()]
    types += [m.result for m in MESSAGES.values() if m.result is not None]
    _, components = msgspec.json.schema_components(types, ref_template="#/$defs/{name}")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Vespera custom protocol",
        "version": PROTOCOL_VERSION,
        "methods": {
            name: {
                "kind": m.kind,
                "params": m.params.__name__,
                "result": getattr(m.result, "__name__", None),
                "description": m.doc,
            }
            for name, m in sorted(MESSAGES.items())
        },
        "$defs": components,
    }
