"""The custom JSON-RPC messages between Vespera's sidecar and its editor clients.

This package is the single source of truth for every custom method and notification: their
names and their msgspec types. ``schemas/protocol.schema.json`` is generated from it, and the
TypeScript clients' types are generated from that schema.
"""

from __future__ import annotations

from vespera_protocol.messages import MESSAGES, PROTOCOL_VERSION, Message

__all__ = ["MESSAGES", "PROTOCOL_VERSION", "Message"]
