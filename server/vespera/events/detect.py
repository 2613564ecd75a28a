"""Change detection: the events between a note's previous state and its new one.

:func:`note_changes` is a pure function of two :class:`NoteState` values; :class:`EventMaker`
wraps its results in envelopes for one origin (who made the change, and what caused it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from vespera.events.ids import new_id
from vespera.store.note_state import LinkState, NoteState, TagState, TaskState
from vespera_protocol.events import (
    SPEC_VERSION,
    USER,
    CodexLinked,
    ContentUpdated,
    Event,
    FieldChanged,
    KeyChange,
    NoteRenamed,
    NoteSummary,
    Relationship,
    StatusChanged,
    TagChanged,
    TagRef,
    TaskCompleted,
    TaskStatusChanged,
)

Change = tuple[str, msgspec.Struct]
"""An event type and its payload."""

STATUS_FIELD = "status"
_TAG_FIELDS = frozenset({"tags", "tag"})  # their changes are tag_changed events
_TASK_TYPE = "task"
DONE_STATUSES = frozenset({"done", "complete", "completed", "finished", "closed"})
"""Values of a task note's ``status`` (case-folded) that mean it is done."""

_json = msgspec.json.Decoder()


@dataclass(frozen=True, slots=True)
class Origin:
    """Who made a change and what caused it; every event of the change carries it."""

    actor: str = USER
    causationid: str | None = None
    correlationid: str | None = None
    """The cascade the change belongs to; ``None`` starts a new one."""


def note_changes(
    before: NoteState | None, after: NoteState | None, types: Mapping[str, str | None]
) -> list[Change]:
    """The events that lead from ``before`` to ``after`` (``None``: the note does not exist).

    ``types`` gives the codex type of linked notes, for ``codex_linked``. A new note is a
    ``note.created`` followed by what it starts with that rules may react to (its tags, status,
    links); a deleted note is one ``note.deleted``.
    """
    if after is None:
        if before is None:
            return []
        return [("note.deleted", _summary(before))]
    if before is None:
        out: list[Change] = [("note.created", _summary(after))]
        out += _tag_changes([], after.tags)
        status = _frontmatter(after).get(STATUS_FIELD)
        if status is not None:
            out.append(("status_changed", StatusChanged(old=None, new=_text(status))))
        out += _link_changes([], after.links, types)
        return out
    if before.content_hash == after.content_hash:
        return []
    out = []
    if before.meaning != after.meaning or not before.meaning:
        out.append(
            (
                "content_updated",
                ContentUpdated(previous_hash=before.content_hash, content_hash=after.content_hash),
            )
        )
    out += _tag_changes(before.tags, after.tags)
    if before.frontmatter != after.frontmatter:
        out += _field_changes(_frontmatter(before), _frontmatter(after), after)
    out += _link_changes(before.links, after.links, types)
    out += _task_changes(before.tasks, after.tasks)
    return out


def _summary(state: NoteState) -> NoteSummary:
    return NoteSummary(title=state.title, type=state.type, content_hash=state.content_hash)


def _frontmatter(state: NoteState) -> dict[str, Any]:
    value = _json.decode(state.frontmatter) if state.frontmatter else {}
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else msgspec.json.encode(value).decode()


def _tag_changes(before: list[TagState], after: list[TagState]) -> list[Change]:
    """One ``tag_changed`` for all of a note's tag changes, or none.

    Tags compare case-folded, wherever they are written (frontmatter or body). A key whose
    value changed is paired up (``mood:peaceful`` -> ``mood:tense``) rather than reported as a
    removal and an addition.
    """
    old = {t[1]: t for t in before}
    new = {t[1]: t for t in after}
    removed = [old[n] for n in old if n not in new]
    added = [new[n] for n in new if n not in old]
    if not removed and not added:
        return []
    changed: list[KeyChange] = []
    by_key: dict[str, list[TagState]] = {}
    for tag in removed:
        if tag[2] is not None:
            by_key.setdefault(tag[2].casefold(), []).append(tag)
    paired: set[str] = set()
    for tag in added:
        if tag[2] is None or tag[3] is None:
            continue
        waiting = by_key.get(tag[2].casefold())
        if waiting:
            was = waiting.pop(0)
            changed.append(KeyChange(key=tag[2], old=was[3] or "", new=tag[3]))
            paired.update((was[1], tag[1]))
    data = TagChanged(
        added=[_ref(t) for t in added if t[1] not in paired],
        removed=[_ref(t) for t in removed if t[1] not in paired],
        changed=changed,
    )
    return [("tag_changed", data)]


def _ref(tag: TagState) -> TagRef:
    return TagRef(name=tag[0], key=tag[2], value=tag[3])


def _field_changes(before: dict[str, Any], after: dict[str, Any], note: NoteState) -> list[Change]:
    out: list[Change] = []
    is_task = (note.type or "").casefold() == _TASK_TYPE
    for field in dict.fromkeys([*before, *after]):
        old, new = before.get(field), after.get(field)
        if old == new or field.casefold() in _TAG_FIELDS:
            continue
        if field == STATUS_FIELD:
            old_text = None if old is None else _text(old)
            new_text = None if new is None else _text(new)
            out.append(("status_changed", StatusChanged(old=old_text, new=new_text)))
            if is_task:
                out.append(_task_note_change(note.title, old_text, new_text))
        else:
            out.append(("field_changed", FieldChanged(field=field, old=old, new=new)))
    return out


def _task_note_change(text: str, old: str | None, new: str | None) -> Change:
    """A task note's status change, as the events a checkbox would give."""
    done_before = (old or "").casefold() in DONE_STATUSES
    done_now = (new or "").casefold() in DONE_STATUSES
    if done_now and not done_before:
        return ("task_completed", TaskCompleted(text=text))
    return ("task_status_changed", TaskStatusChanged(text=text, old=old or "", new=new or ""))


def _link_changes(
    before: list[LinkState], after: list[LinkState], types: Mapping[str, str | None]
) -> list[Change]:
    """Links gained and lost, compared by the note they name and the field they are in."""
    old = {(link[0], link[2]): link for link in before}
    new = {(link[0], link[2]): link for link in after}
    out: list[Change] = []
    for key, link in new.items():
        if key in old:
            continue
        out.append(("relationship_created", _relationship(link)))
        target_type = types.get(link[3]) if link[3] else None
        if link[3] and target_type:
            out.append(
                (
                    "codex_linked",
                    CodexLinked(target=link[3], target_type=target_type, field=link[2]),
                )
            )
    out += [
        ("relationship_removed", _relationship(link)) for k, link in old.items() if k not in new
    ]
    return out


def _relationship(link: LinkState) -> Relationship:
    return Relationship(target=link[3] or link[1], field=link[2], resolved=link[3] is not None)


def _task_changes(before: list[TaskState], after: list[TaskState]) -> list[Change]:
    """Checkbox tasks whose status changed, matched by their text (lines move as text is added)."""
    waiting: dict[str, list[TaskState]] = {}
    for task in before:
        waiting.setdefault(task[2].strip(), []).append(task)
    out: list[Change] = []
    for status, done, text, line in after:
        candidates = waiting.get(text.strip())
        if not candidates:
            continue
        was = candidates.pop(0)
        if was[0] == status:
            continue
        if done and not was[1]:
            out.append(("task_completed", TaskCompleted(text=text, line=line)))
        else:
            out.append(
                (
                    "task_status_changed",
                    TaskStatusChanged(text=text, old=was[0], new=status, line=line),
                )
            )
    return out


def linked_paths(before: NoteState | None, after: NoteState | None) -> Iterable[str]:
    """Resolved targets of links ``after`` has and ``before`` had not (their types are needed)."""
    if after is None:
        return []
    old = {(link[0], link[2]) for link in before.links} if before is not None else set()
    return [link[3] for link in after.links if link[3] and (link[0], link[2]) not in old]


def now_rfc3339() -> str:
    """The current time as the envelope writes it: RFC 3339, UTC, milliseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class EventMaker:
    """Wraps detected changes in envelopes for one vault."""

    def __init__(self, source: str) -> None:
        self.source = source

    def events(self, subject: str, changes: list[Change], origin: Origin) -> list[Event]:
        """The envelopes of one note's changes: one cascade unless ``origin`` names one."""
        if not changes:
            return []
        time = now_rfc3339()
        out: list[Event] = []
        for kind, data in changes:
            event_id = new_id()
            out.append(
                Event(
                    specversion=SPEC_VERSION,
                    id=event_id,
                    type=kind,
                    source=self.source,
                    subject=subject,
                    time=time,
                    actor=origin.actor,
                    correlationid=origin.correlationid or (out[0].id if out else event_id),
                    causationid=origin.causationid,
                    data=msgspec.to_builtins(data),
                )
            )
        return out


def merge_renames(events: list[Event]) -> list[Event]:
    """Pair each ``note.deleted`` with a ``note.created`` of the same content: a rename.

    The created note's other events (its tags, links) go with it: a moved note gained nothing.
    The rename keeps the created event's id, so merging the same events twice gives the same ids.
    """
    created: dict[str, list[Event]] = {}
    for event in events:
        digest = event.data.get("content_hash")
        if event.type == "note.created" and digest:
            created.setdefault(digest, []).append(event)
    if not created:
        return events
    renames: dict[str, Event] = {}  # by the created event's id
    dropped: set[str] = set()
    for event in events:
        digest = event.data.get("content_hash")
        if event.type != "note.deleted" or not digest or not created.get(digest):
            continue
        new = created[digest].pop(0)
        dropped.add(event.id)
        renames[new.id] = msgspec.structs.replace(
            new,
            type="note.renamed",
            data=msgspec.to_builtins(NoteRenamed(old_path=event.subject, new_path=new.subject)),
        )
    if not renames:
        return events
    moved = {(e.subject, e.correlationid) for e in renames.values()}
    out = []
    for event in events:
        if event.id in renames:
            out.append(renames[event.id])
        elif event.id not in dropped and (event.subject, event.correlationid) not in moved:
            out.append(event)
    return out
