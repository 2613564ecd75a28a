"""What is being typed at the cursor: a tag, a link target, a heading or block of a link.

Completion asks this first; the answer says what to offer and which part of the line the
chosen item replaces. Positions here are code-point indexes into the line; the LSP layer
converts them to UTF-16 columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vespera.editor.document import EditorDocument, utf16_to_index

_TAG_CHARS = r"[^\s!\"#$%&'()*+,.;<=>?@\[\\\]^`{|}~]"
_INLINE_TAG = re.compile(rf"(?:^|(?<=[\s(\[,;]))#({_TAG_CHARS}*)$")
_LINK_NAME = re.compile(r"\[\[([^\[\]|#^]*)$")
_LINK_HEADING = re.compile(r"\[\[([^\[\]|#^]*)#([^\[\]|^]*)$")
_LINK_BLOCK = re.compile(r"\[\[([^\[\]|#^]*)#\^([^\[\]|]*)$")
_FIELD_TAG = re.compile(rf"#?({_TAG_CHARS}*)$")
_KEY_LINE = re.compile(r"^([^\s#:\-][^:]*?)\s*:(?:\s|$)")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")
_TYPE_LINE = re.compile(r"^type\s*:\s*([^#]*)")
_LIST_ITEM = re.compile(r"^\s*-\s+")
_LAST_VALUE = re.compile(r"[^\[\],'\"]*$")
_FIELD_NAME = re.compile(r"([A-Za-z_][\w\-]*|)")


@dataclass(frozen=True, slots=True)
class TagSlot:
    """A tag being typed: ``prefix`` so far, starting at ``start`` (after any ``#``)."""

    prefix: str
    start: int
    in_frontmatter: bool


@dataclass(frozen=True, slots=True)
class LinkSlot:
    """A link target being typed after ``[[``; ``closed`` when ``]]`` already follows.

    ``field`` is the frontmatter field the link is the value of, if any.
    """

    prefix: str
    start: int
    closed: bool
    field: str | None = None


@dataclass(frozen=True, slots=True)
class FieldKeySlot:
    """A frontmatter key being typed at the start of a line."""

    prefix: str
    start: int


@dataclass(frozen=True, slots=True)
class FieldValueSlot:
    """A frontmatter value being typed for ``key`` (in a list item or after ``key:``)."""

    key: str
    prefix: str
    start: int


@dataclass(frozen=True, slots=True)
class HeadingSlot:
    """A heading being typed after ``[[target#`` (``target`` empty: this note)."""

    target: str
    prefix: str
    start: int


@dataclass(frozen=True, slots=True)
class BlockSlot:
    """A block id being typed after ``[[target#^``."""

    target: str
    prefix: str
    start: int


Slot = TagSlot | LinkSlot | HeadingSlot | BlockSlot | FieldKeySlot | FieldValueSlot


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in a document: the line's text and the code-point index in it."""

    line: int
    text: str
    index: int


def cursor_at(doc: EditorDocument, line: int, character: int) -> Cursor:
    """The cursor at an LSP position (UTF-16 column)."""
    text = doc.line(line)
    return Cursor(line, text, utf16_to_index(text, character))


def slot_at(doc: EditorDocument, cursor: Cursor) -> Slot | None:
    """What is being typed at ``cursor``, if it is something Vespera completes."""
    before = cursor.text[: cursor.index]
    after = cursor.text[cursor.index :]
    if (m := _LINK_BLOCK.search(before)) is not None:
        return BlockSlot(m.group(1).strip(), m.group(2), m.start(2))
    if (m := _LINK_HEADING.search(before)) is not None:
        return HeadingSlot(m.group(1).strip(), m.group(2), m.start(2))
    key = frontmatter_key(doc, cursor.line)
    if (m := _LINK_NAME.search(before)) is not None:
        return LinkSlot(m.group(1), m.start(1), after.lstrip().startswith("]]"), key)
    if key is not None:
        key_end = cursor.text.find(":") + 1 if _KEY_LINE.match(cursor.text) else 0
        if cursor.index < key_end:
            return None  # on the key itself, not its value
        if key.casefold() in ("tags", "tag") and (m := _FIELD_TAG.search(before)) is not None:
            # Only the value part of the line: not the key itself.
            if m.start() >= key_end:
                return TagSlot(m.group(1), m.start(1), True)
            return None
        item = _LIST_ITEM.match(before)
        if key_end or item is not None:
            value_start = key_end if key_end else item.end() if item is not None else 0
            rest = before[value_start:]
            token = _LAST_VALUE.search(rest)
            assert token is not None  # the pattern also matches an empty tail
            text = token.group(0)
            start = value_start + token.start() + len(text) - len(text.lstrip())
            return FieldValueSlot(key, text.strip(), start)
        return None
    if in_frontmatter(doc, cursor.line) and (m := _FIELD_NAME.fullmatch(before)) is not None:
        return FieldKeySlot(m.group(1), m.start(1))
    if in_code(doc, cursor):
        return None
    if (m := _INLINE_TAG.search(before)) is not None:
        return TagSlot(m.group(1), m.start(1), False)
    return None


def in_frontmatter(doc: EditorDocument, line: int) -> bool:
    """Whether ``line`` is inside the note's frontmatter (between its ``---`` lines)."""
    span = doc.parsed.frontmatter_range
    return span is not None and span.start_line < line < span.end_line


def frontmatter_key(doc: EditorDocument, line: int) -> str | None:
    """The top-level frontmatter key whose value holds ``line``; None outside frontmatter."""
    span = doc.parsed.frontmatter_range
    if span is None or not span.start_line < line < span.end_line:
        return None
    own = doc.line(line)
    if not own.strip() or (not own[0].isspace() and not own.startswith("-") and ":" not in own):
        return None  # a new key is being started on this line
    for number in range(line, span.start_line, -1):
        text = doc.line(number)
        if text and not text[0].isspace() and not text.startswith("-"):
            m = _KEY_LINE.match(text)
            return m.group(1).strip().strip("'\"") if m else None
    return None


def declared_type(doc: EditorDocument) -> str | None:
    """The note's ``type:``, read from its line when the frontmatter does not parse (mid-edit)."""
    if doc.parsed.type is not None:
        return doc.parsed.type
    span = doc.parsed.frontmatter_range
    if span is None:
        return None
    for number in range(span.start_line + 1, span.end_line):
        m = _TYPE_LINE.match(doc.line(number))
        if m is not None:
            return m.group(1).strip().strip("'\"") or None
    return None


def in_code(doc: EditorDocument, cursor: Cursor) -> bool:
    """Whether the cursor is inside a fenced code block or an inline code span."""
    fence: str | None = None
    span = doc.parsed.frontmatter_range
    first = span.end_line + 1 if span is not None else 0
    for number in range(first, cursor.line):
        m = _FENCE.match(doc.line(number))
        if m is None:
            continue
        marker = m.group(1)
        if fence is None:
            fence = marker
        elif (
            marker[0] == fence[0]
            and len(marker) >= len(fence)
            and not doc.line(number)[m.end() :].strip()  # a closing fence has no info string
        ):
            fence = None
    if fence is not None:
        return True
    return _in_code_span(cursor.text[: cursor.index])


def _in_code_span(text: str) -> bool:
    """Whether ``text`` ends inside an inline code span (a run of n backticks opens one, the
    next run of exactly n closes it)."""
    opened: int | None = None
    for run in _BACKTICKS.finditer(text):
        size = len(run.group())
        if opened is None:
            opened = size
        elif size == opened:
            opened = None
    return opened is not None
