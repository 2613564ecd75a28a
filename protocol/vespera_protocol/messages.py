"""The registry of custom messages: method name -> params type (and result type for requests).

Standard LSP features need none of this; custom messages are added here as the sidecar grows,
each with a constant for its method name and msgspec types for its payloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from vespera_protocol.events import Event

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


# -- vault events -------------------------------------------------------------------------------

EVENTS_QUERY = "vespera/events/query"
"""Request, client to server: events from a vault's log, filtered and paged by sequence."""
EVENTS_SUBSCRIBE = "vespera/events/subscribe"
"""Request, client to server: receive a vault's events as ``vespera/event`` notifications."""
EVENTS_UNSUBSCRIBE = "vespera/events/unsubscribe"
"""Request, client to server: stop a subscription."""
EVENT = "vespera/event"
"""Notification, server to client: one event of a subscription, in log order."""


class EventFilter(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Which events to take; every given condition must hold, an empty filter takes all."""

    types: list[str] = msgspec.field(default_factory=list)
    """Event types (``tag_changed``), or a prefix ending in ``*`` (``note.*``, ``custom.*``)."""
    subject: str | None = None
    """A note's vault-relative path, or a folder ending in ``/`` for every note under it."""
    actor: str | None = None
    """``user``, ``external``, ``catch-up``, ``automation:<rule>``, or ``automation:*``."""
    since: str | None = None
    """At or after this time (RFC 3339; a date means its midnight UTC)."""
    until: str | None = None
    """Before this time."""
    correlationid: str | None = None
    """Only the events of this cascade."""


class EventQueryParams(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """A query of a vault's event log."""

    vault: str | None = None
    """The vault folder's URI; may be left out when the server serves one vault."""
    filter: EventFilter = msgspec.field(default_factory=EventFilter)
    after: int | None = None
    """Only events after this sequence (the ``next`` of an earlier page, oldest first)."""
    before: int | None = None
    """Only events before this sequence (the ``next`` of an earlier page, newest first)."""
    limit: int = 100
    """At most this many events (up to 10,000)."""
    newest_first: bool = False
    """Newest first (the last events of the log) instead of oldest first."""


class EventQueryResult(msgspec.Struct, kw_only=True):
    """One page of events, each a CloudEvents 1.0 event with its ``sequence``."""

    events: list[Event]
    next: int | None = None
    """Pass as ``after`` (or ``before``, newest first) for the next page; null: no more."""
    head: int = 0
    """The log's last sequence when the query ran."""


class SubscribeParams(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A subscription to a vault's events."""

    vault: str | None = None
    """The vault folder's URI; may be left out when the server serves one vault."""
    filter: EventFilter = msgspec.field(default_factory=EventFilter)
    after: int | None = None
    """Replay the events after this sequence first (a client that reconnects passes the last
    sequence it received, and misses nothing); by default only new events are sent."""


class SubscribeResult(msgspec.Struct, kw_only=True):
    """A subscription's id, named in each of its ``vespera/event`` notifications."""

    subscription: str
    start: int
    """Where the subscription starts: it sends every matching event after this sequence."""
    head: int
    """The log's last sequence when the subscription started (events up to it are replayed
    first when ``after`` was given)."""


class UnsubscribeParams(msgspec.Struct, kw_only=True):
    """Which subscription to end."""

    subscription: str


class EventParams(msgspec.Struct, kw_only=True):
    """One event of a subscription; subscriptions receive events in sequence order, once."""

    subscription: str
    event: Event
    """A CloudEvents 1.0 event, with its ``sequence``."""


for _message in (
    Message(
        EVENTS_QUERY,
        "request",
        EventQueryParams,
        EventQueryResult,
        doc="Events from a vault's log: filtered by type, subject, actor, time or cascade, "
        "paged by sequence.",
    ),
    Message(
        EVENTS_SUBSCRIBE,
        "request",
        SubscribeParams,
        SubscribeResult,
        doc="Receive a vault's events matching a filter as vespera/event notifications, "
        "optionally replaying those after a sequence first.",
    ),
    Message(
        EVENTS_UNSUBSCRIBE,
        "request",
        UnsubscribeParams,
        None,
        doc="End a subscription; returns null.",
    ),
    Message(
        EVENT,
        "notification",
        EventParams,
        doc="One event of a subscription, in log order.",
    ),
):
    _register(_message)
