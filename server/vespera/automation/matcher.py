"""Which rules an event starts: an index by event type, then each trigger's filters.

Rules are indexed by the event types their triggers name, so an event only meets the rules
that listen for its type (plus the few whose triggers use a glob such as ``note.*``). Filters
that need the note (its codex type, its tags) read it once per event, and only if a candidate
rule asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from fnmatch import translate as fnmatch_translate
from typing import Any

from vespera.automation.loader import LoadedRule
from vespera.automation.patterns import normalise_tag, path_matcher, tag_matcher
from vespera.automation.rules import Trigger, short_event_name
from vespera_protocol.events import Event


@dataclass(frozen=True)
class NoteFacts:
    """What trigger filters read of an event's note."""

    type: str | None
    tags: Sequence[str]


@dataclass(frozen=True)
class TagChange:
    """The tag change a trigger matched: ``mood`` from ``peaceful`` to ``tense``."""

    key: str | None
    old: str | None
    new: str | None
    name: str


@dataclass(frozen=True)
class Match:
    """A rule an event starts, with the trigger that matched and the tag change it saw."""

    rule: LoadedRule
    trigger: Trigger
    tag: TagChange | None


def _fold(value: Any) -> str:
    return str(value).casefold()


def _tag_changes(data: dict[str, Any]) -> tuple[list[TagChange], list[TagChange]]:
    """(gained, lost) tag changes of a ``tag_changed`` payload; a value change is in both."""
    gained: list[TagChange] = []
    lost: list[TagChange] = []
    for tag in data.get("added", []):
        gained.append(TagChange(tag.get("key"), None, tag.get("value"), tag["name"]))
    for tag in data.get("removed", []):
        lost.append(TagChange(tag.get("key"), tag.get("value"), None, tag["name"]))
    for change in data.get("changed", []):
        key, old, new = change["key"], change["old"], change["new"]
        both = TagChange(key, old, new, f"{key}:{new}")
        gained.append(both)
        lost.append(TagChange(key, old, new, f"{key}:{old}"))
    return gained, lost


def _combined(patterns: list[str]) -> re.Pattern[str] | None:
    """One regular expression for a list of tag patterns (any may match)."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{tag_matcher(p).pattern})" for p in patterns))


def _actor_pattern(globs: list[str]) -> re.Pattern[str] | None:
    if not globs:
        return None
    return re.compile("|".join(f"(?:{fnmatch_translate(g)})" for g in globs))


def _folded(values: list[Any]) -> frozenset[str] | None:
    return frozenset(_fold(v) for v in values) if values else None


def _value_in(wanted: frozenset[str] | None, value: Any) -> bool:
    return wanted is None or (value is not None and _fold(value) in wanted)


Changes = tuple[list[TagChange], list[TagChange]]


class CompiledTrigger:
    """A trigger's filters, compiled once when rules load (matching runs for every event)."""

    __slots__ = (
        "actors",
        "field",
        "from_",
        "ignore",
        "paths",
        "removed",
        "tag_keys",
        "tags",
        "to",
        "trigger",
        "types",
    )

    def __init__(self, trigger: Trigger) -> None:
        self.trigger = trigger
        self.types = _folded(trigger.codex_type)
        self.tags = _combined(trigger.tags)
        self.tag_keys = _literal_keys(trigger.tags)
        self.removed = _combined(trigger.removed_tags)
        self.paths = (
            re.compile("|".join(f"(?:{path_matcher(g).pattern})" for g in trigger.paths))
            if trigger.paths
            else None
        )
        self.actors = _actor_pattern(trigger.actors)
        self.ignore = _actor_pattern(trigger.ignore_actors)
        self.field = None if trigger.field is None else _fold(trigger.field)
        self.from_ = _folded(trigger.from_)
        self.to = _folded(trigger.to)

    def matches(
        self, event: Event, facts: Callable[[], NoteFacts], changes: Changes | None = None
    ) -> tuple[bool, TagChange | None]:
        """Whether ``event`` passes the filters, and the tag change it matched.

        ``changes`` are the event's tag changes (gained, lost) when already worked out.
        """
        why, tag = self.check(event, facts, changes)
        return why is None, tag

    def why_not(self, event: Event, facts: Callable[[], NoteFacts]) -> str | None:
        """The filter that turns ``event`` away, in words (``None``: it passes)."""
        return self.check(event, facts, explain=True)[0]

    def check(
        self,
        event: Event,
        facts: Callable[[], NoteFacts],
        changes: Changes | None = None,
        explain: bool = False,
    ) -> tuple[str | None, TagChange | None]:
        """(why the event is turned away or ``None``, the tag change it matched).

        Without ``explain`` the reason is only a marker: matching many events against many
        rules does not pay for sentences nobody reads.
        """
        trigger = self.trigger
        if self.actors is not None and not self.actors.fullmatch(event.actor):
            return (
                f"actors: it takes changes by {_listed(trigger.actors)}, not {event.actor}"
                if explain
                else _NO
            ), None
        if self.ignore is not None and self.ignore.fullmatch(event.actor):
            return (f"ignore_actors: it ignores changes by {event.actor}" if explain else _NO), None
        if self.paths is not None and not self.paths.fullmatch(event.subject):
            return (
                f"paths: {event.subject} is not in {_listed(trigger.paths)}" if explain else _NO
            ), None
        if self.types is not None:
            kind = facts().type
            if kind is None or _fold(kind) not in self.types:
                if not explain:
                    return _NO, None
                shown = f"a {kind}" if kind else "of no codex type"
                return f"codex_type: the note is {shown}, not {_listed(trigger.codex_type)}", None
        if event.type == "tag_changed":
            return self._tag_change(changes or _tag_changes(event.data), explain)
        data = event.data
        if self.tags is not None:
            pattern = self.tags
            if not any(pattern.fullmatch(normalise_tag(t)) for t in facts().tags):
                return (
                    f"tags: the note has no tag like {_listed(trigger.tags)}" if explain else _NO
                ), None
        if self.removed is not None:
            return ("removed_tags: only a tag_changed event removes tags" if explain else _NO), None
        if self.field is not None:
            if event.type == "field_changed":
                field = data.get("field")
            elif event.type == "status_changed":
                field = "status"
            else:
                return (f"field: a {event.type} event changes no field" if explain else _NO), None
            if field is None or _fold(field) != self.field:
                return (f"field: {field} changed, not {trigger.field}" if explain else _NO), None
        if self.from_ is not None or self.to is not None:
            if event.type not in ("status_changed", "field_changed", "task_status_changed"):
                return (
                    f"from/to: a {event.type} event has no old and new value" if explain else _NO
                ), None
            if not (_value_in(self.from_, data.get("old")) and _value_in(self.to, data.get("new"))):
                return (self._values(data.get("old"), data.get("new")) if explain else _NO), None
        return None, None

    def _values(self, old: Any, new: Any) -> str:
        wanted = []
        if self.trigger.from_:
            wanted.append(f"from {_listed(self.trigger.from_)}")
        if self.trigger.to:
            wanted.append(f"to {_listed(self.trigger.to)}")
        return f"from/to: it went from {old} to {new}, not {' '.join(wanted)}"

    def _tag_change(self, changes: Changes, explain: bool) -> tuple[str | None, TagChange | None]:
        gained, lost = changes
        tag: TagChange | None = None
        if self.tags is not None:
            tag = _first(self.tags, gained)
            if tag is None:
                return (
                    f"tags: no tag added or changed is like {_listed(self.trigger.tags)}"
                    if explain
                    else _NO
                ), None
        if self.removed is not None:
            removed = _first(self.removed, lost)
            if removed is None:
                if not explain:
                    return _NO, None
                shown = _listed(self.trigger.removed_tags)
                return f"removed_tags: no tag removed or changed is like {shown}", None
            tag = tag or removed
        valued = self.from_ is not None or self.to is not None
        if tag is None and valued:
            tag = next(
                (
                    c
                    for c in gained + lost
                    if _value_in(self.from_, c.old) and _value_in(self.to, c.new)
                ),
                None,
            )
            if tag is None:
                return ("from/to: no tag's value changed as it asks" if explain else _NO), None
        if tag is None and (gained or lost):
            tag = (gained or lost)[0]
        if (
            tag is not None
            and valued
            and not (_value_in(self.from_, tag.old) and _value_in(self.to, tag.new))
        ):
            return (self._values(tag.old, tag.new) if explain else _NO), None
        return None, tag


_NO = "turned away"
"""The reason :meth:`CompiledTrigger.check` gives when not asked to explain."""


def _listed(values: list[Any]) -> str:
    return " or ".join(str(v) for v in values)


def _literal_keys(patterns: list[str]) -> frozenset[str] | None:
    """The tag names or keys every alternative of ``patterns`` starts with, if all are literal.

    ``mood:*|emotion:scared`` can only match tags named ``mood...`` or ``emotion...``: an event
    whose tags have neither key is passed over without running the expressions.
    """
    keys: set[str] = set()
    for pattern in patterns:
        for part in pattern.split("|"):
            name = normalise_tag(part)
            key = name.split(":", 1)[0]
            if not key or any(c in key for c in "*?["):
                return None
            keys.add(key)
    return frozenset(keys) if keys else None


def _key_of(name: str) -> str:
    return normalise_tag(name).split(":", 1)[0]


def _first(pattern: re.Pattern[str], changes: list[TagChange]) -> TagChange | None:
    for change in changes:
        if pattern.fullmatch(normalise_tag(change.name)):
            return change
    return None


def trigger_matches(
    trigger: Trigger, event: Event, facts: Callable[[], NoteFacts]
) -> tuple[bool, TagChange | None]:
    """Whether ``event`` passes the filters of ``trigger``, and the tag change it matched."""
    return CompiledTrigger(trigger).matches(event, facts)


_Entry = tuple[int, LoadedRule, CompiledTrigger]


class RuleIndex:
    """The runnable rules, indexed by the event types they listen for, then by codex type.

    An event meets only the triggers of its type that name its note's codex type or none; the
    note's facts are read only when some candidate needs them.
    """

    def __init__(self, rules: Iterable[LoadedRule]) -> None:
        self._untyped: dict[str, list[_Entry]] = {}
        self._typed: dict[str, dict[str, list[_Entry]]] = {}
        self._globbed: list[tuple[str, _Entry]] = []
        self.size = 0
        order = 0
        for loaded in rules:
            if not loaded.runnable:
                continue
            assert loaded.rule is not None
            self.size += 1
            for trigger in loaded.rule.trigger:
                compiled = CompiledTrigger(trigger)
                order += 1
                entry = (order, loaded, compiled)
                for name in dict.fromkeys(trigger.event):
                    if any(c in name for c in "*?["):
                        self._globbed.append((name, entry))
                    elif compiled.types is None:
                        self._untyped.setdefault(name, []).append(entry)
                    else:
                        typed = self._typed.setdefault(name, {})
                        for kind in compiled.types:
                            typed.setdefault(kind, []).append(entry)

    def listens_for(self, event_type: str) -> bool:
        """Whether any rule listens for events of ``event_type`` (most events meet none)."""
        return (
            event_type in self._untyped
            or event_type in self._typed
            or any(fnmatchcase(event_type, glob) for glob, _ in self._globbed)
        )

    def candidates(
        self, event_type: str, note_type: str | None = None, every: bool = False
    ) -> list[_Entry]:
        """The triggers listening for ``event_type`` on notes of ``note_type`` (of any type
        with ``every``), in load order."""
        found = list(self._untyped.get(event_type, ()))
        typed = self._typed.get(event_type, {})
        if every:
            found += [e for entries in typed.values() for e in entries]
        elif note_type is not None:
            found += typed.get(_fold(note_type), ())
        found += [e for glob, e in self._globbed if fnmatchcase(event_type, glob)]
        found.sort(key=lambda e: e[0])
        return found

    def match(
        self,
        event: Event,
        facts: Callable[[], NoteFacts],
        misses: dict[str, tuple[LoadedRule, str]] | None = None,
    ) -> list[Match]:
        """The rules ``event`` starts, each once (its first matching trigger), in load order.

        With ``misses``, rules that listen for the event's type but that it does not start
        are put there, by id, with the filter that turned it away.
        """
        known: list[NoteFacts] = []

        def cached() -> NoteFacts:
            if not known:
                known.append(facts())
            return known[0]

        note_type = cached().type if event.type in self._typed or self._globbed else None
        changes = _tag_changes(event.data) if event.type == "tag_changed" else None
        gained_keys = {_key_of(c.name) for c in changes[0]} if changes is not None else None
        out: list[Match] = []
        seen: set[str] = set()
        for _, loaded, compiled in self.candidates(event.type, note_type, misses is not None):
            if loaded.id in seen:
                continue
            if (
                misses is None
                and gained_keys is not None
                and compiled.tag_keys is not None
                and compiled.tag_keys.isdisjoint(gained_keys)
            ):
                continue
            why, tag = compiled.check(event, cached, changes, misses is not None)
            if why is None:
                seen.add(loaded.id)
                out.append(Match(loaded, compiled.trigger, tag))
            elif misses is not None and loaded.id not in misses:
                misses[loaded.id] = (loaded, why)
        if misses is not None:
            for rule_id in seen:
                misses.pop(rule_id, None)
        return out


def trigger_scope(event: Event, match: Match, note: Any) -> dict[str, Any]:
    """What templates see as ``trigger``: the event, its note and the change in plain names."""
    data = event.data
    scope: dict[str, Any] = {
        "id": event.id,
        "type": short_event_name(event.type),
        "event_type": event.type,
        "subject": event.subject,
        "actor": event.actor,
        "time": event.time,
        "correlationid": event.correlationid,
        "data": data,
        "note": note,
        "tag_key": None,
        "old_value": data.get("old"),
        "new_value": data.get("new"),
        "field": data.get("field") or ("status" if event.type == "status_changed" else None),
    }
    if event.type == "tag_changed":
        gained, lost = _tag_changes(data)
        scope["added"] = [c.name for c in gained if c.old is None]
        scope["removed"] = [c.name for c in lost if c.new is None]
        if match.tag is not None:
            scope.update(
                tag_key=match.tag.key,
                old_value=match.tag.old,
                new_value=match.tag.new,
                tag=match.tag.name,
            )
    if event.type in ("task_completed", "task_status_changed"):
        scope["text"] = data.get("text")
    return scope
