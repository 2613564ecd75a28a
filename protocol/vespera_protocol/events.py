"""Vault events: the envelope every event travels in, and the table of event types.

The envelope is a CloudEvents 1.0 event (JSON format) with four extension attributes:
``correlationid`` (the whole cascade started by one change), ``causationid`` (the event or
automation run that directly caused this one), ``actor`` (who made the change) and
``sequence`` (the event log's gap-free position, assigned when the event is committed).

Event types are the names rules and editors use (``tag_changed``, ``note.created``); each has
one payload type for ``data``. :data:`EVENT_TYPES` is that table, and the only place a type is
defined: the schema generator, the tests and the detector all read it. Rules may emit custom
events of their own, named ``custom.<namespace>.<name>`` (see :func:`is_custom_type`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final, Literal

import msgspec

SPEC_VERSION: Final = "1.0"
DATA_CONTENT_TYPE: Final = "application/json"  # the JSON format's default for ``data``

# -- who made a change -------------------------------------------------------------------------

USER: Final = "user"
"""A writer's edit, in an editor or on disk while the sidecar ran."""
EXTERNAL: Final = "external"
"""A program other than an editor (a sync client, git, a script) while the sidecar ran."""
CATCH_UP: Final = "catch-up"
"""A change found at start-up that happened while the sidecar was not running."""
AUTOMATION_PREFIX: Final = "automation:"
"""Followed by the rule's id: a change an automation run made."""

_NAME = r"[a-z][a-z0-9_]*"
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_CUSTOM = re.compile(rf"custom\.{_NAME}\.{_NAME}(\.{_NAME})*")


def is_actor(actor: str) -> bool:
    """Whether ``actor`` is one the envelope allows."""
    if actor in (USER, EXTERNAL, CATCH_UP):
        return True
    rule = actor.removeprefix(AUTOMATION_PREFIX)
    return rule != actor and _RULE_ID.fullmatch(rule) is not None


def automation(rule: str) -> str:
    """The actor of changes made by the rule ``rule``."""
    actor = AUTOMATION_PREFIX + rule
    if not is_actor(actor):
        raise ValueError(f"{rule!r} is not a valid rule id (letters, digits, '.', '_', '/', '-')")
    return actor


def is_custom_type(name: str) -> bool:
    """Whether ``name`` is a valid custom event type: ``custom.<namespace>.<name>``, lower case."""
    return _CUSTOM.fullmatch(name) is not None


# -- payloads ------------------------------------------------------------------------------------


class NoteSummary(msgspec.Struct, kw_only=True):
    """A note that appeared in the vault or left it."""

    title: str
    type: str | None = None
    """The note's ``type`` (its codex type), if it has one."""
    content_hash: str | None = None
    """The hash of the note's content (a created and a deleted note with the same content in
    one change are a rename)."""


class NoteRenamed(msgspec.Struct, kw_only=True):
    """A note moved or was renamed (the same content under a new path; ``subject`` is the new)."""

    old_path: str
    new_path: str


class ContentUpdated(msgspec.Struct, kw_only=True):
    """A note's text changed in meaning (not only in whitespace)."""

    previous_hash: str
    content_hash: str


class TagRef(msgspec.Struct, kw_only=True):
    """A tag as written, with the ``key:value`` split when it has one."""

    name: str
    key: str | None = None
    value: str | None = None


class KeyChange(msgspec.Struct, kw_only=True):
    """A ``key:value`` tag whose value changed (``mood:peaceful`` -> ``mood:tense``)."""

    key: str
    old: str
    new: str


class TagChanged(msgspec.Struct, kw_only=True):
    """A note's tags changed: added, removed, and key:value tags whose value changed.

    A value change of one key is one entry of ``changed``, not a removal and an addition.
    """

    added: list[TagRef] = msgspec.field(default_factory=list)
    removed: list[TagRef] = msgspec.field(default_factory=list)
    changed: list[KeyChange] = msgspec.field(default_factory=list)


class StatusChanged(msgspec.Struct, kw_only=True):
    """The frontmatter ``status`` changed (``None``: absent)."""

    old: str | None = None
    new: str | None = None


class FieldChanged(msgspec.Struct, kw_only=True):
    """Another frontmatter field changed (``None``: absent, or null)."""

    field: str
    old: Any = None
    new: Any = None


class Relationship(msgspec.Struct, kw_only=True):
    """A link gained or lost: in the body (``field`` is ``None``) or in a frontmatter field."""

    target: str
    """The linked note's path, or the link as written when it resolves to no note."""
    field: str | None = None
    resolved: bool = True


class CodexLinked(msgspec.Struct, kw_only=True):
    """A note gained a link to a typed codex note (a character, a location...)."""

    target: str
    target_type: str
    field: str | None = None


class TaskCompleted(msgspec.Struct, kw_only=True):
    """A task was checked off: a checkbox line, or a task note whose status became done."""

    text: str
    line: int | None = None
    """The checkbox's zero-based line; ``None`` for a task note."""


class TaskStatusChanged(msgspec.Struct, kw_only=True):
    """A task's status changed other than to done (``[ ]`` -> ``[/]``, reopened...)."""

    text: str
    old: str
    new: str
    line: int | None = None


class CustomData(msgspec.Struct, kw_only=True):
    """The payload of a custom event: what the rule put in it."""

    values: dict[str, Any] = msgspec.field(default_factory=dict)


@dataclass(frozen=True)
class EventType:
    """One type of event: its name (the envelope's ``type``), its payload type and meaning."""

    name: str
    data: type[msgspec.Struct]
    doc: str


EVENT_TYPES: dict[str, EventType] = {
    t.name: t
    for t in (
        EventType("note.created", NoteSummary, "A note appeared in the vault."),
        EventType("note.deleted", NoteSummary, "A note left the vault."),
        EventType("note.renamed", NoteRenamed, "A note moved or was renamed."),
        EventType("content_updated", ContentUpdated, "A note's text changed in meaning."),
        EventType("tag_changed", TagChanged, "A note's tags were added, removed or changed."),
        EventType("status_changed", StatusChanged, "The frontmatter status changed."),
        EventType("field_changed", FieldChanged, "Another frontmatter field changed."),
        EventType("relationship_created", Relationship, "A note gained a link."),
        EventType("relationship_removed", Relationship, "A note lost a link."),
        EventType("codex_linked", CodexLinked, "A note gained a link to a typed codex note."),
        EventType("task_completed", TaskCompleted, "A task was checked off."),
        EventType("task_status_changed", TaskStatusChanged, "A task's status changed."),
    )
}
"""Every built-in event type, by name. Custom types are checked by :func:`is_custom_type`."""


def data_type(name: str) -> type[msgspec.Struct]:
    """The payload type of events named ``name``; raises ``ValueError`` for an unknown name."""
    known = EVENT_TYPES.get(name)
    if known is not None:
        return known.data
    if is_custom_type(name):
        return CustomData
    raise ValueError(
        f"{name!r} is not an event type: use one of {', '.join(EVENT_TYPES)} or "
        "'custom.<namespace>.<name>' (lower case, digits and '_')"
    )


class Event(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One event, as the log stores it and editors receive it (CloudEvents 1.0, JSON format).

    Unset optional attributes are left out of the JSON, as CloudEvents asks; ``datacontenttype``
    is then left out too, which means JSON by the format's own rule.
    """

    specversion: Literal["1.0"]
    """Always ``1.0`` (given, not defaulted: the envelope leaves out unset attributes, and
    CloudEvents requires this one)."""
    id: str
    """A UUIDv7: unique, and ordered by creation time."""
    type: str
    """A name of :data:`EVENT_TYPES`, or a custom type."""
    source: str
    """Where it happened: the vault's URI."""
    subject: str
    """The note's vault-relative path."""
    time: str
    """When it was detected, RFC 3339 in UTC."""
    actor: str
    """``user``, ``external``, ``catch-up`` or ``automation:<rule>``."""
    correlationid: str
    """The id of the first event of the cascade this one belongs to (its own id if first)."""
    data: dict[str, Any] = msgspec.field(default_factory=dict)
    """The payload, of the type's payload type."""
    causationid: str | None = None
    """The event or automation run that directly caused this one, if any."""
    sequence: int | None = None
    """The event's position in the vault's log, gap-free from 1; set when it is committed."""
    datacontenttype: Literal["application/json"] = DATA_CONTENT_TYPE


def check(event: Event) -> None:
    """Raise ``ValueError`` unless ``event`` is well-formed: known type, valid actor and data."""
    payload = data_type(event.type)
    if not is_actor(event.actor):
        raise ValueError(
            f"{event.actor!r} is not an actor (user, external, catch-up, automation:<rule>)"
        )
    if not event.subject:
        raise ValueError("an event needs a subject (the note's path)")
    try:
        msgspec.convert(event.data, payload)
    except msgspec.ValidationError as exc:
        raise ValueError(f"the data of a {event.type} event does not fit: {exc}") from exc


def schema() -> dict[str, Any]:
    """A JSON Schema of the envelope and of every payload, with the table of types."""
    payloads = [Event, *dict.fromkeys(t.data for t in EVENT_TYPES.values()), CustomData]
    _, components = msgspec.json.schema_components(payloads, ref_template="#/$defs/{name}")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Vespera vault event (CloudEvents 1.0, with correlation, causation, actor and "
        "sequence)",
        "$ref": "#/$defs/Event",
        "eventTypes": {
            name: {"data": t.data.__name__, "description": t.doc}
            for name, t in sorted(EVENT_TYPES.items())
        },
        "customTypes": {"pattern": _CUSTOM.pattern, "data": CustomData.__name__},
        "$defs": components,
    }
