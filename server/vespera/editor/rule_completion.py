"""Completions in rule files (``.vespera/rules/*.yaml``): keys where the cursor is, and values.

Keys come from the rule models (a trigger's, an action's by its ``type``, a condition's);
values from what the vault has: event types (and the custom events its rules emit), action
types, codex types and their fields, tags in use and ``key:*`` patterns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from vespera.codex.types import Codex
from vespera.editor.catalog import Catalog
from vespera.editor.completion import Suggestion, tag_suggestions
from vespera.editor.document import index_to_utf16
from vespera.editor.rule_cursor import rule_cursor, split_lines
from vespera.editor.rule_keys import Part, keys_of, place_of
from vespera.editor.rule_values import action_values, actor_values, event_values
from vespera.vault.model import Range
from vespera.vault.resolve import fold

# Keys whose values are tag patterns ("mood:*"), frontmatter fields, and link fields.
_TAG_PATTERNS = {
    ("trigger", "tags"),
    ("trigger", "removed_tags"),
    ("condition", "has_tag"),
    ("action", "tag"),
}
_FIELDS = {
    ("trigger", "field"),
    ("condition", "field"),
    ("action", "field"),
    ("action", "linked_field"),
}
_LINK_FIELDS = {("condition", "has_link"), ("condition", "count")}


@dataclass(frozen=True, slots=True)
class RuleVault:
    """What completions in a rule file draw on besides the file itself."""

    codex: Codex
    catalog: Catalog
    events: tuple[str, ...] = ()
    """Custom events the vault's rules emit, as rules name them."""


@dataclass(frozen=True, slots=True)
class RuleCompletions:
    """Suggestions, and the range of the text they replace."""

    suggestions: list[Suggestion]
    range: Range
    incomplete: bool = False


def rule_completions(
    text: str, line: int, character: int, vault: RuleVault, limit: int = 100
) -> RuleCompletions | None:
    """What fits at (``line``, UTF-16 ``character``) of a rule file; ``None`` if nothing does."""
    cursor = rule_cursor(text, line, character)
    place = place_of(cursor.path) if cursor is not None else None
    if cursor is None or place is None:
        return None
    start, prefix = cursor.start, cursor.prefix
    if place.key is None and cursor.key is None:
        found = key_suggestions(place.part, cursor.present, prefix)
    else:
        key = cursor.key if place.key is None else place.key
        if place.key is not None and cursor.key is not None:  # "- mood:" is an item, not a key
            start, prefix = cursor.item_start, cursor.item
        if cursor.key is None or place.key is not None:  # a list item: maybe quoted
            skip = 1 if prefix[:1] in ("'", '"') else 0
            start, prefix = start + skip, prefix[skip:]
        assert key is not None
        if key in ("tags", "removed_tags", "has_tag", "tag"):  # after the last alternative
            cut = prefix.rfind("|") + 1
            skip = cut + (1 if prefix[cut : cut + 1] == "#" else 0)
            start, prefix = start + skip, prefix[skip:]
        found = value_suggestions(place.part, key, cursor.present, prefix, vault, text)
        if place.key is None and cursor.key is not None and not cursor.spaced:  # "key:|"
            found = [_spaced(s) for s in found]
    raw = split_lines(text)[line]
    span = Range(line, index_to_utf16(raw, start), line, character)
    return RuleCompletions(found[:limit], span, len(found) > limit)


def key_suggestions(part: Part, present: Mapping[str, str], prefix: str) -> list[Suggestion]:
    """Keys of ``part`` not written yet, required ones first."""
    wanted = fold(prefix)
    keys = [k for k in keys_of(part, present) if k.name not in present]
    keys.sort(key=lambda k: not k.required)  # stable: the model's order otherwise
    return [
        Suggestion(
            k.name,
            f"{k.name}: ",
            "field",
            "required" if k.required else "",
            documentation=k.description,
        )
        for k in keys
        if fold(k.name).startswith(wanted)
    ]


def value_suggestions(
    part: Part,
    key: str,
    present: Mapping[str, str],
    prefix: str,
    vault: RuleVault,
    text: str = "",
) -> list[Suggestion]:
    """Values for ``key`` of ``part`` starting with ``prefix``."""
    wanted = fold(prefix)
    found: list[Suggestion]
    if (part, key) == ("action", "type"):
        found = action_values()
    elif (part, key) == ("trigger", "event"):
        found = event_values(vault.events)
    elif key in ("codex_type", "target_type"):
        found = [
            Suggestion(t.name, t.name, "value", "codex type", t.description)
            for t in sorted(vault.codex.types.values(), key=lambda t: t.name)
        ]
    elif (part, key) in _TAG_PATTERNS or (part, key) == ("action", "tags"):
        patterns = (part, key) in _TAG_PATTERNS
        return _tags(vault.catalog, prefix, patterns)
    elif (part, key) in _FIELDS or (part, key) in _LINK_FIELDS:
        types = _types_of(part, present, text, vault.codex)
        found = _fields(vault.codex, types, links_only=(part, key) in _LINK_FIELDS)
    elif part == "trigger" and key in ("actors", "ignore_actors"):
        found = actor_values()
    else:
        choices = next((k.choices for k in keys_of(part, present) if k.name == key), ())
        found = [Suggestion(c, c, "value") for c in choices]
    return [s for s in found if fold(s.label).startswith(wanted)]


def _tags(catalog: Catalog, prefix: str, patterns: bool) -> list[Suggestion]:
    """Tags in use starting with ``prefix``; with ``patterns``, ``key:*`` for each key first."""
    out: list[Suggestion] = []
    if patterns:
        keys = sorted({t.name.split(":", 1)[0] for t in catalog.tags.values() if ":" in t.name})
        for key in keys:
            glob = f"{key}:*"
            if fold(glob).startswith(fold(prefix)):
                out.append(Suggestion(glob, glob, "tag", f"any {key}: tag"))
    return out + tag_suggestions(catalog, prefix)


def _types_of(part: Part, present: Mapping[str, str], text: str, codex: Codex) -> list[str]:
    """The codex types a field is looked up in: the trigger's, else the file's triggers'."""
    if part == "trigger" and present.get("codex_type"):
        named = _names(_load(present["codex_type"]))
        if named:
            return named
    try:
        data = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        data = None
    rules = data if isinstance(data, list) else [data]
    named = []
    for rule in rules:
        trigger = rule.get("trigger") if isinstance(rule, dict) else None
        for one in trigger if isinstance(trigger, list) else [trigger]:
            if isinstance(one, dict):
                named += _names(one.get("codex_type"))
    return named or codex.names


def _fields(codex: Codex, types: list[str], links_only: bool) -> list[Suggestion]:
    seen: dict[str, Suggestion] = {}
    for name in types:
        kind = codex.get(name)
        if kind is None:
            continue
        for field, spec in kind.fields.items():
            if links_only and spec.type != "link":
                continue
            shape = f"list of {spec.type}s" if spec.list else spec.type
            detail = f"{kind.name} · {shape}"
            seen.setdefault(field, Suggestion(field, field, "field", detail, spec.description))
    return sorted(seen.values(), key=lambda s: s.label)


def _load(value: str) -> Any:
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return None


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _spaced(suggestion: Suggestion) -> Suggestion:
    return Suggestion(
        suggestion.label,
        " " + suggestion.insert,
        suggestion.kind,
        suggestion.detail,
        suggestion.documentation,
        suggestion.filter or suggestion.label,
    )
