"""Changing one frontmatter field of a note and leaving every other byte as the writer left it.

The YAML is composed (safe loader, with the vault reader's guards) only to find where each
top-level key starts. An entry runs from its key's line to the line before the next key, less
trailing blank lines and comments not indented deeper than the key: those belong to the mapping
around it. Only that span is rewritten; keys, comments, quoting and line breaks elsewhere stay.

New values are written by :mod:`~vespera.automation.frontmatter_yaml`; list items the field
already had keep their text, and every edit is read back before it is returned, so YAML that
line edits cannot see (an alias to a replaced anchor) is refused rather than broken.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from vespera.automation.frontmatter_yaml import (
    UnwritableValueError,
    Verbatim,
    entry_lines,
    scalar_text,
)
from vespera.vault.frontmatter import _CLOSE, _OPEN, _Builder, _Loader, _refuse, to_plain
from vespera.vault.parser import BOM
from vespera.vault.resolve import fold

_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_TRAILING_COMMENT = re.compile(r"[ \t]+#[^\r\n]*")
_COLON_COMMENT = re.compile(r"[ \t]*:([ \t]+#[^\r\n]*)")
_MERGE_TAG = "tag:yaml.org,2002:merge"
_LEFT_AS_IS = "the frontmatter of this note {}, so it was left as it is"
_ABSENT = object()
# A block scalar header that keeps trailing blank lines ("|+", ">2+"): they belong to the value.
_KEEP_CHOMPING = re.compile(r"[|>](?:[1-9]?\+|\+[1-9]?)")


class NoteEditError(ValueError):
    """An edit refused because it would damage the note; the message is one line for the writer."""


@dataclass(frozen=True)
class _Entry:
    key: str
    start: int  # first offset of the key's line
    end: int  # just past the entry's last character, before that line's break
    key_text: str  # the key as written, quotes and all
    key_end: int  # just past the key as written
    value: yaml.Node | None  # None when the value is an alias: its marks point at the anchor


@dataclass(frozen=True)
class _Note:
    bom: str
    text: str  # without the BOM; every offset below is into this
    newline: str
    block: tuple[int, int] | None  # the YAML between the '---' lines; None without frontmatter
    flow: bool  # written as one '{...}' mapping, which line edits cannot handle
    indent: str  # indentation of the top-level keys
    entries: tuple[_Entry, ...]
    data: dict[str, Any]

    def last(self, key: str) -> _Entry | None:
        """The entry YAML reads for ``key``: the last one when a key is written twice."""
        found = [entry for entry in self.entries if entry.key == key]
        return found[-1] if found else None

    def splice(self, start: int, end: int, new: str) -> str:
        """The note's text (with its BOM) with ``[start, end)`` replaced by ``new``."""
        return self.bom + self.text[:start] + new + self.text[end:]


def read_fields(text: str) -> dict[str, Any]:
    """The frontmatter as plain data; raises :class:`NoteEditError` if it cannot be read."""
    return _read(text).data


def field_values(text: str) -> dict[str, Any]:
    """The frontmatter as plain data (dates as ISO text), ``{}`` if none or malformed."""
    try:
        return _read(text).data
    except NoteEditError:
        return {}


def set_field(text: str, key: str, value: Any) -> str:
    """Set the top-level field ``key`` to ``value``, in place if present, else appended."""
    note = _read(text)
    if key in note.data and note.last(key) is not None and _same(note.data[key], to_plain(value)):
        return text
    return _checked(_set(note, key, value), note.data, key, value)


def unset_field(text: str, key: str) -> str:
    """Remove the field ``key`` (every entry, if written twice); no change if absent."""
    note = _read(text)
    if key in note.data:
        _check_editable(note)
    entries = [entry for entry in note.entries if entry.key == key]
    if not entries:
        return text
    body = note.text
    for entry in reversed(entries):
        body = body[: entry.start] + body[_past_line(body, entry.end) :]
    return _checked(note.bom + body, note.data, key, _ABSENT)


def append_to_field(text: str, key: str, values: Iterable[Any], unique: bool = True) -> str:
    """Append ``values`` to the list ``key`` (a scalar becomes a one-item list first).

    With ``unique``, values the list already has are skipped (strings compared ignoring case).
    Nothing is written when nothing is appended.
    """
    items = [values] if isinstance(values, str) else list(values)
    current = read_fields(text).get(key)
    present = _as_list(current)
    added: list[Any] = []
    for value in items:
        if unique and any(_matches(value, old) for old in (*present, *added)):
            continue
        added.append(value)
    if not added:
        return text
    return set_field(text, key, [*present, *added])


def remove_from_field(text: str, key: str, values: Iterable[Any]) -> str:
    """Remove ``values`` from the list ``key`` (strings compared ignoring case).

    A scalar field is treated as a one-item list, so removing its value leaves ``[]``.
    """
    items = [values] if isinstance(values, str) else list(values)
    data = read_fields(text)
    if key not in data:
        return text
    present = _as_list(data[key])
    kept = [old for old in present if not any(_matches(value, old) for value in items)]
    if len(kept) == len(present):
        return text
    return set_field(text, key, kept)


def new_note(fields: dict[str, Any], body: str) -> str:
    """A new note's text: frontmatter holding ``fields``, a blank line, then ``body``."""
    if not fields:
        return body
    nl = _newline_of(body)
    lines = ["---"]
    for key, value in fields.items():
        lines.extend(_lines(scalar_text(key), value, ""))
    head = nl.join([*lines, "---"]) + nl
    if body and not body.startswith(("\n", "\r")):
        head += nl
    return head + body


# Reading


def _read(text: str) -> _Note:
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    newline = _newline_of(body)
    opening = _OPEN.match(body)
    if opening is None:
        return _Note(bom, body, newline, None, False, "", (), {})
    closing = _CLOSE.search(body, opening.end())
    if closing is None:
        raise NoteEditError(_LEFT_AS_IS.format("has no closing '---' line"))
    start, end = opening.end(), closing.start()
    node, data = _compose(body[start:end])
    if node is None:
        return _Note(bom, body, newline, (start, end), False, "", (), {})
    if node.flow_style:
        return _Note(bom, body, newline, (start, end), True, "", (), data)
    indent = " " * node.start_mark.column
    entries = _entries(body, start, end, node)
    return _Note(bom, body, newline, (start, end), False, indent, entries, data)


def _compose(source: str) -> tuple[yaml.MappingNode | None, dict[str, Any]]:
    refusal = _refuse(source)
    if refusal is not None:
        raise NoteEditError(_LEFT_AS_IS.format("was not read") + f": {refusal}")
    loader = _Loader(source)
    try:
        node = loader.get_single_node()
        plain = _Builder(loader).build(node) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # The YAML starts on the note's second line; marks count lines from zero.
        where = f" (line {mark.line + 2})" if mark is not None else ""
        detail = exc.problem or exc.context or "invalid YAML"
        raise NoteEditError(_LEFT_AS_IS.format("does not parse") + f": {detail}{where}") from exc
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        detail = " ".join(str(exc).split())
        raise NoteEditError(_LEFT_AS_IS.format("does not parse") + f": {detail}") from exc
    finally:
        loader.dispose()
    if node is not None and (not isinstance(node, yaml.MappingNode) or not isinstance(plain, dict)):
        raise NoteEditError(_LEFT_AS_IS.format("is not a set of 'key: value' lines"))
    return node, plain


def _entries(text: str, base: int, limit: int, node: yaml.MappingNode) -> tuple[_Entry, ...]:
    starts = sorted({_line_start(text, base + key.start_mark.index) for key, _ in node.value})
    entries: list[_Entry] = []
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
            continue
        key_at, key_end = base + key.start_mark.index, base + key.end_mark.index
        start = _line_start(text, key_at)
        bound = next((s for s in starts if s > start), limit)
        end = _content_end(text, key_end, bound, key_at - start)
        own = value if value.start_mark.index >= key.end_mark.index else None
        if own is not None and _KEEP_CHOMPING.match(text, base + own.start_mark.index):
            end = max(end, _before_break(text, min(base + own.end_mark.index, bound)))
        entries.append(_Entry(str(key.value), start, end, text[key_at:key_end], key_end, own))
    return tuple(entries)


def _content_end(text: str, floor: int, bound: int, key_column: int) -> int:
    """End of an entry's last line: trailing comments count only if indented deeper."""
    end = bound
    while True:
        while end > floor and text[end - 1] in " \t\r\n":
            end -= 1
        line_start = _line_start(text, end)
        line = text[line_start:end]
        content = line.lstrip(" \t")
        if end > floor and content.startswith("#") and len(line) - len(content) <= key_column:
            end = line_start
            continue
        return end


def _before_break(text: str, at: int) -> int:
    """``at`` at a line's start moved back past the line break that ends the line before."""
    if text.endswith("\r\n", 0, at):
        return at - 2
    return at - 1 if text.endswith(("\n", "\r"), 0, at) else at


def _line_start(text: str, at: int) -> int:
    return max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1


def _line_end(text: str, at: int) -> int:
    found = _LINE_BREAK.search(text, at)
    return len(text) if found is None else found.start()


def _past_line(text: str, at: int) -> int:
    """The offset after the line break that ends the line holding ``at``."""
    found = _LINE_BREAK.search(text, at)
    return len(text) if found is None else found.end()


def _newline_of(text: str) -> str:
    found = _LINE_BREAK.search(text)
    return "\n" if found is None else found.group(0)


def _check_editable(note: _Note) -> None:
    if note.flow:
        raise NoteEditError(_LEFT_AS_IS.format("is one '{...}' mapping, not 'key: value' lines"))


# Writing


def _set(note: _Note, key: str, value: Any) -> str:
    nl = note.newline
    if note.block is None:
        lines = _lines(scalar_text(key), value, "")
        return note.bom + nl.join(["---", *lines, "---"]) + nl + note.text
    _check_editable(note)
    entry = note.last(key)
    if entry is None:
        new = nl.join(_lines(scalar_text(key), value, note.indent))
        if note.entries:
            # After the last entry's line, so trailing blank lines and comments stay last.
            at = _line_end(note.text, max(e.end for e in note.entries))
            return note.splice(at, at, nl + new)
        return note.splice(note.block[1], note.block[1], new + nl)
    lines = _replacement(note, entry, value)
    lines[0] += _key_line_comment(note, entry)
    return note.splice(entry.start, entry.end, nl.join(lines))


def _checked(result: str, before: dict[str, Any], key: str, value: Any) -> str:
    """``result`` if it reads back with only ``key`` changed, as meant; refused otherwise.

    A safety net for YAML that line edits cannot see, such as an alias to a removed anchor.
    """
    try:
        after = _read(result).data
    except NoteEditError:
        after = None
    meant = value is _ABSENT or (after is not None and after.get(key) == to_plain(value))
    if after is not None and meant and _without(after, key) == _without(before, key):
        return result
    changing = f"would not read back as intended after changing '{key}'"
    raise NoteEditError(_LEFT_AS_IS.format(changing))


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


def _replacement(note: _Note, entry: _Entry, value: Any) -> list[str]:
    """The new lines of ``entry``, keeping its block-list indentation and unchanged items."""
    old, indent = entry.value, note.indent
    assert note.block is not None
    source = note.text[note.block[0] :]  # marks count from the start of the YAML
    if isinstance(old, yaml.SequenceNode):
        value = _keep_items(value, old, note.data.get(entry.key), source)
    if isinstance(old, yaml.SequenceNode) and not old.flow_style:
        dash = old.start_mark.column
        first = old.value[0].start_mark if old.value else None
        gap = first.column - dash - 1 if first and first.line == old.start_mark.line else 1
        return _lines(
            entry.key_text, value, indent, block_list=True, list_indent=" " * dash, gap=max(gap, 1)
        )
    if isinstance(old, yaml.MappingNode) and not old.flow_style:
        return _lines(entry.key_text, value, indent, map_indent=" " * old.start_mark.column)
    return _lines(entry.key_text, value, indent)


def _keep_items(value: Any, old: yaml.SequenceNode, plain: Any, source: str) -> Any:
    """``value`` with items the old list already had replaced by their text as written."""
    if not isinstance(value, list | tuple) or not isinstance(plain, list):
        return value
    if len(plain) != len(old.value):
        return value
    pool: list[tuple[Any, str]] = []
    for node, item in zip(old.value, plain, strict=True):
        written = source[node.start_mark.index : node.end_mark.index]
        own = node.start_mark.index >= old.start_mark.index  # not an alias of an earlier node
        one_line = written and "\n" not in written and "\r" not in written
        if isinstance(node, yaml.ScalarNode) and own and one_line:
            pool.append((item, written))
    kept: list[Any] = []
    for item in value:
        plain_item = to_plain(item)
        match = next((i for i, (was, _) in enumerate(pool) if _same(was, plain_item)), None)
        kept.append(item if match is None else Verbatim(pool.pop(match)[1]))
    return kept


def _key_line_comment(note: _Note, entry: _Entry) -> str:
    """The comment ending an entry's first line (``status: draft  # why``, ``cast:  # who``).

    It stays on the new first line; a comment after a multi-line value goes with the value.
    """
    old = entry.value
    if old is None or (isinstance(old, yaml.ScalarNode) and old.style in ("|", ">")):
        return ""
    assert note.block is not None
    line_end = _line_end(note.text, entry.key_end)
    if isinstance(old, yaml.CollectionNode) and not old.flow_style:
        found = _COLON_COMMENT.fullmatch(note.text, entry.key_end, line_end)
        return found.group(1) if found else ""
    value_end = note.block[0] + old.end_mark.index
    tail = note.text[value_end:line_end]
    if entry.key_end <= value_end <= line_end and _TRAILING_COMMENT.fullmatch(tail):
        return tail
    return ""


def _lines(key_text: str, value: Any, indent: str, **style: Any) -> list[str]:
    try:
        return entry_lines(key_text, value, indent, **style)
    except UnwritableValueError as exc:
        raise NoteEditError(str(exc)) from exc


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _matches(value: Any, old: Any) -> bool:
    """Whether a new value equals a plain old one (strings ignoring case)."""
    plain = to_plain(value)
    if isinstance(plain, str) and isinstance(old, str):
        return fold(plain) == fold(old)
    return _same(plain, old)


def _same(a: Any, b: Any) -> bool:
    """Equality that also compares types, so ``1``, ``1.0`` and ``True`` stay apart."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)
