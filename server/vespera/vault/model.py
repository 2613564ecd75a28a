"""The typed model of a parsed note.

Every element carries an exact source :class:`Range` in LSP coordinates: zero-based lines and
UTF-16 code-unit columns, so the language server can use them without conversion.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import msgspec

Severity = Literal["error", "warning", "info"]
TagSource = Literal["frontmatter", "inline"]
LinkKind = Literal["wikilink", "markdown", "frontmatter"]


class Range(NamedTuple):
    """A half-open span ``[start, end)`` in LSP coordinates.

    A named tuple rather than a struct: hundreds of thousands are unpacked into SQLite rows
    during a full index, and a tuple unpacks in C.
    """

    start_line: int
    start_char: int
    end_line: int
    end_char: int


class Tag(msgspec.Struct, frozen=True):
    """A tag as written (without ``#``), its case-folded form, and ``key:value`` split."""

    name: str
    norm: str
    key: str | None
    value: str | None
    source: TagSource
    range: Range


class Link(msgspec.Struct, frozen=True):
    """A link to another note; ``target`` is what was written before any ``#`` or ``|``.

    An empty ``target`` means the note itself (``[[#Heading]]``). ``field`` names the frontmatter
    key for links found in frontmatter values.
    """

    target: str
    heading: str | None
    block: str | None
    alias: str | None
    embed: bool
    kind: LinkKind
    field: str | None
    range: Range


class Heading(msgspec.Struct, frozen=True):
    """An ATX or setext heading."""

    level: int
    text: str
    range: Range


class Block(msgspec.Struct, frozen=True):
    """A block id (``^id``) at the end of a line."""

    id: str
    range: Range


class Task(msgspec.Struct, frozen=True):
    """A checkbox list item; ``status`` is the character between the brackets."""

    status: str
    done: bool
    text: str
    tags: tuple[str, ...]
    range: Range


class Problem(msgspec.Struct, frozen=True):
    """Something wrong with a file, with a stable ``code`` and a message a writer understands."""

    code: str
    message: str
    severity: Severity = "warning"
    range: Range | None = None


class ParsedNote(msgspec.Struct):
    """Everything the index keeps about one note."""

    path: str
    title: str
    type: str | None
    frontmatter: dict[str, Any]
    frontmatter_range: Range | None
    aliases: tuple[str, ...]
    tags: tuple[Tag, ...]
    links: tuple[Link, ...]
    headings: tuple[Heading, ...]
    blocks: tuple[Block, ...]
    tasks: tuple[Task, ...]
    problems: tuple[Problem, ...]
