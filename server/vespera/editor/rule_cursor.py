"""Where the cursor is in a rule file, read from the YAML text around it.

A rule file being edited is often half-typed and not valid YAML, so nothing here parses the
document as a whole: each line is read on its own (its ``- `` item markers, its ``key:``, its
value), and the path from the root to the cursor follows from the indentation of the lines
above, as a writer reads it. Block-style YAML only; flow mappings are not followed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from vespera.editor.document import utf16_to_index

ITEM: Final = "[]"
"""A path step into a list item (a key is never written so)."""

_KEY = re.compile(r"""(?P<key>[A-Za-z_][\w.$-]*|"[^"\n]*"|'[^'\n]*')[ \t]*:(?=[ \t]|$)""")
_BLOCK_SCALAR = re.compile(r"[|>][-+0-9]*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A value being typed that completion does not follow: a flow mapping, an anchor, an alias,
# a tag, a block scalar or a template.
_OPAQUE = re.compile(r"^[{&*!|>]|\$\{|\{\{")


@dataclass(frozen=True, slots=True)
class YamlLine:
    """One line of block-style YAML as written (columns count code points)."""

    dashes: tuple[int, ...]
    """Columns of the ``- `` item markers the line starts with."""
    key: str | None
    """Its ``key:`` (unquoted), if it has one."""
    column: int
    """Where the key starts, or else the scalar after the dashes."""
    key_end: int
    """Where the key as written ends (``column`` without a key)."""
    value: str
    """What follows ``key:`` (or the dashes), its comment left out."""
    value_column: int

    @property
    def first(self) -> int:
        """The column of the line's first mark: its first dash, or its key or scalar."""
        return self.dashes[0] if self.dashes else self.column


@dataclass(frozen=True, slots=True)
class Outline:
    """The lines of a rule file, read one by one; block scalar contents are left out."""

    texts: list[str]
    lines: list[YamlLine | None]
    # Rows inside a block scalar (``body: |``), with the column their owner starts at.
    scalar_rows: dict[int, int] = field(default_factory=dict)

    def in_scalar(self, row: int, index: int) -> bool:
        """Whether code-point ``index`` of ``row`` is inside a block scalar's text."""
        owner = self.scalar_rows.get(row)
        if owner is None:
            return False
        return bool(self.texts[row].strip()) or index > owner


@dataclass(frozen=True, slots=True)
class RuleCursor:
    """What is being typed at the cursor, and where in the rule file."""

    line: int
    path: tuple[str, ...]
    """Keys and :data:`ITEM` steps from the root to the mapping (or list) typed in."""
    present: dict[str, str]
    """The keys of that mapping already written, with their values as written."""
    key: str | None
    """The key whose value is being typed; ``None`` while typing a key or a list item."""
    prefix: str
    """What is typed of the key or value, up to the cursor."""
    start: int
    """The code-point column where ``prefix`` starts."""
    item: str
    """Everything typed after the line's item markers (a list item such as ``mood:``)."""
    item_start: int
    spaced: bool
    """Whether something separates ``key:`` from the cursor (a value needs a blank first)."""


@dataclass(frozen=True, slots=True)
class RuleToken:
    """The key, or the scalar, under the cursor."""

    line: int
    path: tuple[str, ...]
    present: dict[str, str]
    key: str | None
    """The line's key (``None`` on a list item)."""
    on_key: bool
    """Whether the cursor is on the key itself rather than on a value."""
    word: str
    start: int
    end: int


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as an editor counts them."""
    return _LINE_BREAK.split(text)


def read_line(text: str) -> YamlLine | None:
    """One line's item markers, key and value; ``None`` for a blank or comment line."""
    i = _skip_blanks(text, 0)
    if i == len(text) or text[i] == "#":
        return None
    dashes: list[int] = []
    while text.startswith("-", i) and (i + 1 == len(text) or text[i + 1] in " \t"):
        dashes.append(i)
        i = _skip_blanks(text, i + 1)
    found = _KEY.match(text, i)
    if found is None:
        return YamlLine(tuple(dashes), None, i, i, _without_comment(text[i:]), i)
    key = found["key"]
    name = key[1:-1] if key[0] in "\"'" else key
    j = _skip_blanks(text, found.end())
    return YamlLine(tuple(dashes), name, i, i + len(key), _without_comment(text[j:]), j)


def outline(text: str) -> Outline:
    """Every line of ``text`` read, knowing which belong to block scalars."""
    texts = split_lines(text)
    lines: list[YamlLine | None] = []
    scalar_rows: dict[int, int] = {}
    owner: int | None = None  # lines indented deeper than this belong to a block scalar
    for row, raw in enumerate(texts):
        if owner is not None:
            if not raw.strip() or _skip_blanks(raw, 0) > owner:
                scalar_rows[row] = owner
                lines.append(None)
                continue
            owner = None
        line = read_line(raw)
        lines.append(line)
        if line is not None and _BLOCK_SCALAR.fullmatch(line.value):
            owner = line.column if line.key is not None or not line.dashes else line.dashes[-1]
    return Outline(texts, lines, scalar_rows)


def ancestry(
    lines: list[YamlLine | None], row: int, column: int, dashes: tuple[int, ...]
) -> tuple[tuple[str, ...], dict[str, str]]:
    """The path to the mapping whose keys start at ``column`` on ``row``, and its keys.

    ``dashes`` are the item markers of ``row`` left of ``column``: with them, the mapping starts
    on ``row`` itself.
    """
    steps = [ITEM] * len(dashes)
    present: dict[str, str] = {}
    col, in_list, own = column, False, not dashes
    if dashes:
        col, in_list = dashes[0], True
    for r in range(row - 1, -1, -1):
        line = lines[r]
        if line is None:
            continue
        if line.key is not None:
            if own and not in_list and line.column == col:
                present.setdefault(line.key, line.value)
            elif line.column < col or (in_list and line.column == col):
                steps.append(line.key)
                col, in_list, own = line.column, False, False
        for dash in reversed(line.dashes):
            if dash < col:
                steps.append(ITEM)
                col, in_list, own = dash, True, False
    for line in lines[row + 1 :]:
        if line is None:
            continue
        if line.first < column:
            break
        if line.key is not None and line.column == column and not line.dashes:
            present.setdefault(line.key, line.value)
    steps.reverse()
    return tuple(steps), present


def rule_cursor(text: str, line: int, character: int) -> RuleCursor | None:
    """What is typed at (``line``, UTF-16 ``character``); ``None`` where nothing completes."""
    doc = outline(text)
    if not 0 <= line < len(doc.texts):
        return None
    raw = doc.texts[line]
    index = utf16_to_index(raw, character)
    before = raw[:index]
    if doc.in_scalar(line, index) or _without_comment(before) != before.rstrip():
        return None
    head = read_line(before)
    if head is None:  # a blank line: a key (or item) starts at the cursor
        path, present = ancestry(doc.lines, line, index, ())
        return RuleCursor(line, path, present, None, "", index, "", index, False)
    path, present = ancestry(doc.lines, line, head.column, head.dashes)
    item = before[head.column :]
    if head.key is None:
        return RuleCursor(line, path, present, None, item, head.column, item, head.column, False)
    typed = before[head.value_column :]
    if _OPAQUE.search(typed):
        return None
    start = head.value_column
    if typed.startswith("["):  # a flow list: the element being typed
        cut = max(typed.rfind(","), typed.rfind("[")) + 1
        start += cut + len(typed[cut:]) - len(typed[cut:].lstrip())
        typed = typed[cut:].lstrip()
    if typed[:1] in ("'", '"'):
        start, typed = start + 1, typed[1:]
    spaced = not before.endswith(":")
    return RuleCursor(line, path, present, head.key, typed, start, item, head.column, spaced)


def rule_token(text: str, line: int, character: int) -> RuleToken | None:
    """The key or scalar at (``line``, UTF-16 ``character``), if any."""
    doc = outline(text)
    if not 0 <= line < len(doc.lines):
        return None
    found = doc.lines[line]
    index = utf16_to_index(doc.texts[line], character)
    if found is None or doc.in_scalar(line, index):
        return None
    path, present = ancestry(doc.lines, line, found.column, found.dashes)
    if found.key is not None:
        present = {**present, found.key: found.value}
        if found.column <= index <= found.key_end:
            return RuleToken(
                line, path, present, found.key, True, found.key, found.column, found.key_end
            )
    span = _element_at(found.value, index - found.value_column)
    if span is None:
        return None
    start, end = span
    word = found.value[start:end]
    column = found.value_column
    return RuleToken(line, path, present, found.key, False, word, column + start, column + end)


def _element_at(value: str, offset: int) -> tuple[int, int] | None:
    """The span of the scalar (or flow-list element) of ``value`` at ``offset``, unquoted."""
    if not value or offset < 0 or offset > len(value):
        return None
    if value.startswith("["):
        spans = [part.span() for part in re.finditer(r"[^,\[\]]+", value)]
    else:
        spans = [(0, len(value))]
    for start, end in spans:
        text = value[start:end]
        start += len(text) - len(text.lstrip())
        end -= len(text) - len(text.rstrip())
        if end - start >= 2 and value[start] in "\"'" and value[end - 1] == value[start]:
            start, end = start + 1, end - 1
        if start <= offset <= end and start < end:
            return start, end
    return None


def _skip_blanks(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def _without_comment(value: str) -> str:
    """``value`` without a trailing ``# comment`` (a ``#`` in quotes or a word stays)."""
    quote: str | None = None
    for i, char in enumerate(value):
        if quote is not None:
            if char == quote:
                quote = None
        elif char in "\"'" and (i == 0 or value[i - 1] in " \t[,"):
            quote = char
        elif char == "#" and (i == 0 or value[i - 1] in " \t"):
            return value[:i].rstrip()
    return value.rstrip()
