"""Frontmatter completions from the note's codex type: keys, enum values, typed links."""

from __future__ import annotations

from vespera.codex.types import Codex, CodexType, FieldSpec
from vespera.editor.catalog import Catalog
from vespera.editor.completion import Suggestion, link_suggestions
from vespera.vault.resolve import fold


def field_key_suggestions(
    kind: CodexType | None, codex: Codex, present: set[str], prefix: str
) -> list[Suggestion]:
    """Keys of the note's type not set yet (required ones first), and ``type`` if missing."""
    wanted = fold(prefix)
    out: list[tuple[int, str, Suggestion]] = []
    if "type" not in present and codex:
        detail = "codex type: " + ", ".join(codex.names)
        out.append((0, "type", Suggestion("type", "type: ", "field", detail)))
    if kind is not None:
        for name, spec in kind.fields.items():
            if name in present or not fold(name).startswith(wanted):
                continue
            out.append((0 if spec.required else 1, name, _key(name, spec, kind)))
    out.sort(key=lambda entry: (entry[0], entry[1]))
    return [s for _, name, s in out if fold(name).startswith(wanted)]


def _key(name: str, spec: FieldSpec, kind: CodexType) -> Suggestion:
    shape = f"list of {spec.type}s" if spec.list else spec.type
    if spec.type == "link" and spec.to:
        shape += " to " + " or ".join(spec.to)
    required = "required · " if spec.required else ""
    return Suggestion(
        name, f"{name}: ", "field", f"{required}{shape}", documentation=spec.description
    )


def field_value_suggestions(
    key: str,
    kind: CodexType | None,
    codex: Codex,
    catalog: Catalog,
    prefix: str,
    limit: int,
) -> list[Suggestion]:
    """Values for ``key``: type names, enum values, booleans, or links to notes of its types."""
    wanted = fold(prefix)
    if fold(key) == "type":
        return [
            Suggestion(t.name, t.name, "value", t.description)
            for t in sorted(codex.types.values(), key=lambda t: t.name)
            if fold(t.name).startswith(wanted)
        ]
    spec = kind.fields.get(key) if kind is not None else None
    if spec is None:
        return []
    if spec.type == "enum":
        return [Suggestion(v, v, "value") for v in spec.values if fold(v).startswith(wanted)]
    if spec.type == "boolean":
        return [Suggestion(v, v, "value") for v in ("true", "false") if v.startswith(wanted)]
    if spec.type == "link":
        types = frozenset(fold(t) for t in spec.to) if spec.to else None
        found, _ = link_suggestions(catalog, prefix, closed=True, limit=limit, types=types)
        # A bare [[...]] would start a YAML list: link values are written quoted.
        return [
            Suggestion(s.label, f'"[[{s.insert}]]"', "note", s.detail, filter=s.filter)
            for s in found
        ]
    return []


def link_types(kind: CodexType | None, key: str | None) -> frozenset[str] | None:
    """The codex types a link written as the value of ``key`` must point to, if restricted."""
    if kind is None or key is None:
        return None
    spec = kind.fields.get(key)
    if spec is None or spec.type != "link" or not spec.to:
        return None
    return frozenset(fold(t) for t in spec.to)
