"""The names a rule file refers to, described: event types (with the custom events the vault's
rules emit), action types and actors.

Completion offers them and hover explains them; both read the same tables the engine does
(:data:`~vespera_protocol.events.EVENT_TYPES`, :data:`~vespera.automation.actions.ACTIONS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase
from typing import Any

import yaml

from vespera.automation.actions import ACTIONS
from vespera.automation.actions.flow import EmitEventConfig, ForEachConfig
from vespera.automation.loader import RuleFile
from vespera.automation.rules import HOOK_EVENTS, event_type_name, short_event_name
from vespera.editor.completion import Suggestion
from vespera_protocol.events import AUTOMATION_PREFIX, CATCH_UP, EVENT_TYPES, EXTERNAL, USER

_ACTORS = {
    USER: "A writer's edit, in an editor or on disk while the sidecar ran.",
    EXTERNAL: "Another program (a sync client, git, a script) while the sidecar ran.",
    CATCH_UP: "A change found at start-up, made while the sidecar was not running.",
    f"{AUTOMATION_PREFIX}*": "A change any rule made (automation:<rule id> for one rule).",
}


def action_values() -> list[Suggestion]:
    """Every action type, with its summary."""
    return [
        Suggestion(name, name, "value", "action", plugin.summary)
        for name, plugin in ACTIONS.items()
    ]


def event_values(custom: Iterable[str] = ()) -> list[Suggestion]:
    """Every built-in event type with its description, then the vault's custom events."""
    out = [Suggestion(t.name, t.name, "value", "event", t.doc) for t in EVENT_TYPES.values()]
    out += [Suggestion(n, n, "value", "pre-hook moment", d) for n, d in HOOK_EVENTS.items()]
    for name in custom:
        if name not in EVENT_TYPES:
            out.append(Suggestion(name, name, "value", "custom event", _custom_doc(name)))
    return out


def actor_values() -> list[Suggestion]:
    """The actors a trigger may name."""
    return [Suggestion(name, name, "value", "actor", doc) for name, doc in _ACTORS.items()]


def event_markdown(name: str, custom: Iterable[str] = ()) -> str | None:
    """An event type described for a hover; ``None`` if ``name`` is not one."""
    known = EVENT_TYPES.get(name)
    if known is not None:
        return f"**{known.name}** (event): {known.doc}"
    if name in HOOK_EVENTS:
        return f"**{name}** (for pre-hooks, timing: pre): {HOOK_EVENTS[name]}"
    try:
        full = event_type_name(name)
    except ValueError:
        return None
    if any(c in name for c in "*?["):
        matched = [t for t in EVENT_TYPES if fnmatchcase(t, name)]
        return f"**{name}** (events): any of " + ", ".join(f"`{t}`" for t in matched)
    emitted = " It is emitted by a rule of this vault." if name in set(custom) else ""
    return f"**{name}** (custom event `{full}`).{emitted}"


def _custom_doc(name: str) -> str:
    try:
        full = event_type_name(name)
    except ValueError:
        full = name
    return f"A custom event emitted by a rule of this vault ({full})."


def emitted_events(files: Iterable[RuleFile], text: str = "") -> tuple[str, ...]:
    """The custom events the loaded rules emit, and those ``text`` (a rule file) emits."""
    names: set[str] = set()
    for file in files:
        for loaded in file.rules:
            if loaded.rule is not None:
                names.update(_emits(loaded.rule.actions))
                for chain_step in loaded.rule.chain_steps:
                    names.update(_emits(chain_step.actions))
    try:
        data = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        data = None
    for node in _mappings(data):
        if node.get("type") == "emit_event" and isinstance(node.get("event"), str):
            names.add(node["event"].strip())
    return tuple(sorted(n for n in names if n))


def _emits(actions: Iterable[Any]) -> Iterator[str]:
    for action in actions:
        if isinstance(action, EmitEventConfig):
            yield short_event_name(action.event)
        elif isinstance(action, ForEachConfig):
            yield from _emits(action.actions)


def _mappings(data: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in parsed YAML, depth first."""
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _mappings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _mappings(value)
