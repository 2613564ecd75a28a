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

# Commands run through the standard ``workspace/executeCommand``: name -> what it does.
COMMANDS: dict[str, str] = {}

REINDEX_COMMAND = "vespera.reindex"
COMMANDS[REINDEX_COMMAND] = (
    "Read every note of every vault again (unchanged notes are recognised by hash and not "
    "parsed), reporting $/progress. No arguments; returns null when done."
)


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
        "commands": dict(sorted(COMMANDS.items())),
        "$defs": components,
    }


def _register(message: Message) -> None:
    MESSAGES[message.method] = message


# -- vespera/status ---------------------------------------------------------------------------

STATUS = "vespera/status"
"""Notification, server to client: how a vault's index stands.

Sent only to clients that ask for it in ``initialize`` with the experimental capability
``{"vespera": {"status": true}}`` (see :data:`STATUS_CAPABILITY`); standard LSP clients never
receive a message they do not know.
"""

STATUS_CAPABILITY = "status"
"""The key a client sets under ``capabilities.experimental.vespera`` to get ``vespera/status``."""

VaultState = Literal["starting", "indexing", "ready", "unavailable"]


class StatusParams(msgspec.Struct, kw_only=True):
    """The state of one vault's index, sent whenever it changes."""

    vault: str
    """The vault folder's URI, as the client sent it in ``workspaceFolders``."""
    state: VaultState
    """``starting`` (opening the stores), ``indexing``, ``ready``, or ``unavailable`` (the stores
    could not be opened; ``message`` says why)."""
    notes: int = 0
    """Notes in the index."""
    indexed: int = 0
    """While indexing: notes read so far in this pass."""
    total: int = 0
    """While indexing: notes to read in this pass."""
    problems: int = 0
    """Problems recorded in the index (unreadable files, malformed frontmatter, ...)."""
    message: str = ""
    """A sentence for the user, when there is something to say."""


_register(
    Message(
        STATUS,
        "notification",
        StatusParams,
        doc="How a vault's index stands; sent to clients that opt in, whenever it changes.",
    )
)
