"""Parsing one note, from raw bytes or from an editor buffer, into a :class:`ParsedNote`.

Nothing here raises on content: undecodable bytes, binary data, oversized files and malformed
YAML all become :class:`Problem` entries while the rest of the note is still indexed.
"""

from __future__ import annotations

from posixpath import basename, splitext
from typing import Any

from vespera.vault.frontmatter import read_frontmatter
from vespera.vault.markdown import scan_body
from vespera.vault.model import Heading, ParsedNote, Problem, Range
from vespera.vault.positions import LineIndex

BOM = "\ufeff"
_BINARY_PROBE = 8192


def note_name(path: str) -> str:
    """The file name without ``.md``: what ``[[links]]`` match against."""
    return splitext(basename(path))[0]


def parse_text(path: str, text: str, problems: list[Problem] | None = None) -> ParsedNote:
    """Parse markdown ``text`` of the note at vault-relative ``path``."""
    if text.startswith(BOM):
        text = text[1:]
    lines = LineIndex(text)
    front = read_frontmatter(text, lines)
    body = scan_body(text, front.body_start, lines)
    data = front.data
    title = _title(data, body.headings, path)
    note_type = data.get("type")
    return ParsedNote(
        path=path,
        title=title,
        type=note_type.strip() or None if isinstance(note_type, str) else None,
        frontmatter=data,
        frontmatter_range=front.range,
        aliases=tuple(dict.fromkeys(front.aliases)),
        tags=(*front.tags, *body.tags),
        links=(*front.links, *body.links),
        headings=tuple(body.headings),
        blocks=tuple(body.blocks),
        tasks=tuple(body.tasks),
        problems=(*(problems or ()), *front.problems),
    )


def parse_bytes(path: str, data: bytes) -> ParsedNote:
    """Parse a note read from disk: decodes UTF-8, reporting bad bytes and binary content."""
    if b"\x00" in data[:_BINARY_PROBE]:
        return empty_note(
            path,
            Problem(
                "binary-file",
                "This file holds binary data, not text; only its name is indexed.",
                "error",
            ),
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", errors="replace")
        shown = text[1:] if text.startswith(BOM) else text
        lines = LineIndex(shown)
        valid_prefix = len(data[: exc.start].decode("utf-8")) - (len(text) - len(shown))
        line = lines.line_of(max(valid_prefix, 0))
        problem = Problem(
            "invalid-utf8",
            f"Invalid UTF-8 at byte {exc.start} (line {line + 1}); shown with replacement "
            "characters. Vespera will not write to this file until it is saved as UTF-8.",
            "error",
            lines.range(lines.line_start(line), lines.line_end(line)),
        )
        return parse_text(path, text, [problem])
    return parse_text(path, text)


def too_large(size: int, limit: int) -> Problem:
    """The problem of a note over the size limit (read from disk or held by an editor)."""
    return Problem(
        "file-too-large",
        f"This note is {size / 1_048_576:.1f} MB, over the {limit / 1_048_576:.1f} MB limit "
        "(max_note_bytes in .vespera/config.yaml); only its name is indexed.",
        "warning",
        Range(0, 0, 0, 0),
    )


def empty_note(path: str, problem: Problem) -> ParsedNote:
    """A note known only by its name (binary, oversized or unreadable content)."""
    return ParsedNote(
        path=path,
        title=note_name(path),
        type=None,
        frontmatter={},
        frontmatter_range=None,
        aliases=(),
        tags=(),
        links=(),
        headings=(),
        blocks=(),
        tasks=(),
        problems=(problem,),
    )


def _title(data: dict[str, Any], headings: list[Heading], path: str) -> str:
    title = data.get("title")
    if isinstance(title, str | int | float) and not isinstance(title, bool) and str(title).strip():
        return str(title).strip()
    for heading in headings:
        if heading.level == 1 and heading.text:
            return heading.text
    return note_name(path)
