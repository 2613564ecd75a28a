"""Frontmatter values written as YAML text, the way writers write them by hand.

Scalars sit on the key's line, quoted only when YAML needs it; wikilinks are always double-quoted,
since an unquoted ``[[Alice]]`` reads as a nested list. Dates are ISO text. Lists of scalars are
written inline (``[a, b]``) unless a block list is asked for; mappings are indented blocks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

_BREAK_CHARS = ("\n", "\r", "\x85", "\u2028", "\u2029")
_FLOW_INDICATORS = frozenset(",[]{}")
_FLOW_UNSAFE_START = ("'", '"', "?", ":")


class Verbatim(str):
    """A value as the note already writes it, kept so an edit does not requote it."""


class UnwritableValueError(TypeError):
    """A value YAML's safe dumper cannot write (not plain data)."""


def entry_lines(
    key_text: str,
    value: Any,
    indent: str,
    *,
    block_list: bool = False,
    list_indent: str | None = None,
    gap: int = 1,
    map_indent: str | None = None,
) -> list[str]:
    """The lines of ``key_text: value`` at ``indent``, without line breaks.

    ``block_list`` writes a non-empty list as ``- item`` lines with ``list_indent`` before each
    dash and ``gap`` spaces after it; ``map_indent`` indents the keys of a mapping value.
    Children default to two spaces deeper than the key.
    """
    head = f"{indent}{key_text}:"
    if value is None:
        return [head]
    if not (block_list and isinstance(value, list | tuple) and value):
        inline = _inline(value)
        if inline is not None:
            return [f"{head} {inline}"]
    child = indent + "  "
    if isinstance(value, dict):
        return [head, *_mapping_lines(value, child if map_indent is None else map_indent)]
    # An empty list_indent is meaningful: the dashes sit at the key's own column.
    items = _sequence_lines(_as_sequence(value), child if list_indent is None else list_indent, gap)
    return [head, *items]


def scalar_text(value: Any, flow: bool = False) -> str:
    """One scalar as YAML on one line; ``flow`` for an item inside ``[...]``."""
    if isinstance(value, Verbatim):
        return str(value)
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, str) and ("[[" in value or any(b in value for b in _BREAK_CHARS)):
        return _dump(value, flow, '"')
    text = _dump(value, False, None)
    # The dumper quotes every ':' inside brackets, but readers take ``[mood:tense]`` as written
    # (a colon ends a plain scalar there only before a space or a bracket), as notes write tags.
    if flow and (text[:1] in _FLOW_UNSAFE_START or not _FLOW_INDICATORS.isdisjoint(text)):
        return _dump(value, True, None)
    return text


def _dump(value: Any, flow: bool, style: str | None) -> str:
    try:
        out = yaml.safe_dump(
            [value] if flow else value,
            default_flow_style=flow,
            default_style=style,
            width=float("inf"),
            allow_unicode=True,
        )
    except yaml.representer.RepresenterError as exc:
        kind = type(value).__name__
        raise UnwritableValueError(f"a {kind} value cannot be written in frontmatter") from exc
    out = out.removesuffix("\n").removesuffix("\n...")  # no document end marker
    return out[1:-1] if flow else out


def _mapping_lines(mapping: dict[Any, Any], indent: str) -> list[str]:
    lines: list[str] = []
    for key, value in mapping.items():
        lines.extend(entry_lines(scalar_text(key), value, indent))
    return lines


def _sequence_lines(items: list[Any], indent: str, gap: int) -> list[str]:
    lines: list[str] = []
    prefix = f"{indent}-{' ' * gap}"
    inner_indent = " " * len(prefix)
    for item in items:
        inline = _inline(item)
        if inline is not None:
            lines.append(prefix + inline)
            continue
        if isinstance(item, dict):
            inner = _mapping_lines(item, inner_indent)
        else:
            inner = _sequence_lines(_as_sequence(item), inner_indent, 1)
        lines.append(prefix + inner[0][len(inner_indent) :])
        lines.extend(inner[1:])
    return lines


def _inline(value: Any, flow: bool = False) -> str | None:
    """``value`` on one line, or ``None`` if it needs a block (a mapping inside)."""
    if isinstance(value, dict):
        return "{}" if not value else None
    if isinstance(value, list | tuple | set | frozenset):
        parts = [_inline(item, flow=True) for item in _as_sequence(value)]
        if any(part is None for part in parts):
            return None
        return "[" + ", ".join(part for part in parts if part is not None) + "]"
    return scalar_text(value, flow)


def _as_sequence(value: Any) -> list[Any]:
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return list(value)
