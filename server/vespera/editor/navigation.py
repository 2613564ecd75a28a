"""Finding what is under the cursor, and a note's outline."""

from __future__ import annotations

from dataclasses import dataclass, field

from vespera.vault.model import Heading, Link, ParsedNote, Range, Tag


def _contains(span: Range, line: int, character: int) -> bool:
    return (span.start_line, span.start_char) <= (line, character) <= (span.end_line, span.end_char)


def element_at(note: ParsedNote, line: int, character: int) -> Tag | Link | Heading | None:
    """The tag, link or heading whose range holds the position (UTF-16 column), if any."""
    for link in note.links:
        if _contains(link.range, line, character):
            return link
    for tag in note.tags:
        if _contains(tag.range, line, character):
            return tag
    for heading in note.headings:
        if _contains(heading.range, line, character):
            return heading
    return None


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def name_range(span: Range, name: str) -> Range:
    """The part of a tag's range that spells its name (without ``#`` or quotes before it)."""
    return Range(span.end_line, span.end_char - utf16_length(name), span.end_line, span.end_char)


@dataclass
class OutlineEntry:
    """A heading and the section it opens, with the headings nested under it."""

    heading: Heading
    section: Range
    children: list[OutlineEntry] = field(default_factory=list)


def outline(note: ParsedNote, line_count: int) -> list[OutlineEntry]:
    """The note's headings as a tree; each section runs until the next heading at its level."""
    headings = list(note.headings)
    roots: list[OutlineEntry] = []
    stack: list[OutlineEntry] = []
    for i, heading in enumerate(headings):
        end_line = line_count - 1
        for later in headings[i + 1 :]:
            if later.level <= heading.level:
                end_line = max(later.range.start_line - 1, heading.range.start_line)
                break
        # Up to the start of the line after the section: clients clamp it at the document end.
        section = Range(heading.range.start_line, 0, end_line + 1, 0)
        entry = OutlineEntry(heading, section)
        while stack and stack[-1].heading.level >= heading.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(entry)
        stack.append(entry)
    return roots
