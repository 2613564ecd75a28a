"""Checking a note against its codex type: the findings, at the lines they concern."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from vespera.codex.types import Codex, CodexType, FieldSpec
from vespera.editor.findings import Finding
from vespera.vault.model import ParsedNote, Range
from vespera.vault.resolve import LinkResolver, fold

_KEY = re.compile(r"^([^\s#:\-'\"][^:]*?|'[^']*'|\"[^\"]*\")\s*:(?:\s|$)")
_WIKILINK = re.compile(r"^\s*!?\[\[[^\[\]]+\]\]\s*$")


def frontmatter_keys(note: ParsedNote, line: Callable[[int], str]) -> dict[str, Range]:
    """The range of each top-level frontmatter key's line, by key as written."""
    span = note.frontmatter_range
    out: dict[str, Range] = {}
    if span is None:
        return out
    for number in range(span.start_line + 1, span.end_line):
        text = line(number)
        m = _KEY.match(text)
        if m is not None:
            out.setdefault(m.group(1).strip("'\""), Range(number, 0, number, len(text)))
    return out


def type_findings(
    note: ParsedNote,
    line: Callable[[int], str],
    codex: Codex,
    resolver: LinkResolver,
    note_type: Callable[[str], str | None],
) -> list[Finding]:
    """Everything in ``note`` its codex type does not allow.

    ``note_type`` gives the codex type of the note at a path (for link fields' targets).
    """
    if not codex or note.type is None:
        return []
    keys = frontmatter_keys(note, line)
    head = note.frontmatter_range or Range(0, 0, 0, 0)
    first_line = Range(head.start_line, 0, head.start_line, 3)
    kind = codex.get(note.type)
    type_line = keys.get("type", first_line)
    if kind is None:
        return [
            Finding(
                "unknown-type",
                f"No codex type is called {note.type!r}; the vault defines "
                f"{', '.join(codex.names)} (in .vespera/types/).",
                "warning",
                type_line,
                {"type": note.type},
            )
        ]
    out: list[Finding] = []
    values = note.frontmatter
    for name, spec in kind.fields.items():
        if name not in values or _empty(values[name]):
            if spec.required:
                out.append(
                    Finding(
                        "missing-field",
                        f"A {kind.name} needs '{name}'"
                        + (f" ({spec.description})" if spec.description else "")
                        + ".",
                        "warning",
                        type_line,
                        {"field": name, "type": kind.name, "kind": spec.type, "list": spec.list},
                    )
                )
            continue
        where = keys.get(name, type_line)
        out.extend(_value_findings(name, spec, values[name], where, kind))
    out.extend(_link_findings(note, kind, resolver, note_type))
    out.extend(_tag_findings(note, kind, type_line))
    return out


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _value_findings(
    name: str, spec: FieldSpec, value: Any, where: Range, kind: CodexType
) -> list[Finding]:
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and not spec.list:
        return [
            Finding(
                "wrong-field-type",
                f"'{name}' holds one {spec.type} in a {kind.name}, not a list.",
                "warning",
                where,
                {"field": name},
            )
        ]
    for item in items:
        problem = _item_problem(spec, item)
        if problem is not None:
            code = "value-not-allowed" if spec.type == "enum" else "wrong-field-type"
            data: dict[str, Any] = {"field": name}
            if spec.type == "enum":
                data["values"] = list(spec.values)
            return [Finding(code, f"'{name}': {problem}", "warning", where, data)]
    return []


def _item_problem(spec: FieldSpec, item: Any) -> str | None:
    if spec.type == "number":
        ok = isinstance(item, int | float) and not isinstance(item, bool)
        return None if ok else f"expected a number, found {item!r}."
    if spec.type == "boolean":
        return None if isinstance(item, bool) else f"expected true or false, found {item!r}."
    if spec.type == "date":
        try:
            date.fromisoformat(str(item)[:10])
        except ValueError:
            return f"expected a date (YYYY-MM-DD), found {item!r}."
        return None
    if spec.type == "link":
        ok = isinstance(item, str) and _WIKILINK.match(item) is not None
        return None if ok else f'expected a link like "[[Note]]", found {item!r}.'
    if spec.type == "enum":
        allowed = {fold(v) for v in spec.values}
        if fold(str(item)) in allowed:
            return None
        return f"{item!r} is not one of {', '.join(spec.values)}."
    if spec.type in ("text", "tags"):
        ok = isinstance(item, str | int | float) and not isinstance(item, bool)
        return None if ok else f"expected text, found {item!r}."
    return None


def _link_findings(
    note: ParsedNote,
    kind: CodexType,
    resolver: LinkResolver,
    note_type: Callable[[str], str | None],
) -> list[Finding]:
    out = []
    for link in note.links:
        if link.field is None:
            continue
        spec = kind.fields.get(link.field)
        if spec is None or spec.type != "link" or not spec.to:
            continue
        found = resolver.resolve(link.target, link.kind, note.path)
        if found.path is None:
            continue  # reported as a broken link already
        target_type = note_type(found.path)
        wanted = {fold(t) for t in spec.to}
        if target_type is None or fold(target_type) not in wanted:
            shown = target_type or "no type"
            out.append(
                Finding(
                    "link-wrong-type",
                    f"'{link.field}' links to {' or '.join(spec.to)} notes; "
                    f"{link.target} is {shown}.",
                    "warning",
                    link.range,
                    {"field": link.field, "expected": list(spec.to)},
                )
            )
    return out


def _tag_findings(note: ParsedNote, kind: CodexType, type_line: Range) -> list[Finding]:
    out = []
    for namespace, rule in kind.tags.items():
        ns = fold(namespace)
        carried = [t for t in note.tags if t.key is not None and fold(t.key) == ns]
        if not carried and rule.required:
            hint = f" (one of {', '.join(rule.values)})" if rule.values else ""
            out.append(
                Finding(
                    "missing-tag",
                    f"A {kind.name} carries a {namespace}: tag{hint}.",
                    "warning",
                    type_line,
                    {"namespace": namespace, "values": list(rule.values)},
                )
            )
        if rule.values:
            allowed = {fold(v) for v in rule.values}
            for tag in carried:
                if fold(tag.value or "") not in allowed:
                    out.append(
                        Finding(
                            "tag-value-not-allowed",
                            f"#{tag.name}: a {kind.name}'s {namespace} is one of "
                            f"{', '.join(rule.values)}.",
                            "warning",
                            tag.range,
                            {"namespace": namespace, "values": list(rule.values)},
                        )
                    )
    return out
