"""A parsed note in the shape the index stores it: plain rows, built where the note is parsed.

A full index parses in worker processes; building the rows there too leaves the indexing
process only ids to add and links to resolve. The rows travel as msgpack arrays of typed
tuples, which decode in C without a Python object per tag or link.
"""

from __future__ import annotations

from typing import Final

import msgspec

from vespera.vault.model import ParsedNote, Problem
from vespera.vault.resolve import fold, strip_md, target_name

# name, norm, key, value, source, start_line, start_char, end_line, end_char
TagRow = tuple[str, str, str | None, str | None, str, int, int, int, int]
# target, target_name, heading, block, alias, embed, kind, field, then the range
LinkRow = tuple[
    str, str, str | None, str | None, str | None, int, str, str | None, int, int, int, int
]
HeadingRow = tuple[int, str, int, int, int, int]
BlockRow = tuple[str, int, int, int, int]
# status, done, text, tags (JSON), then the range
TaskRow = tuple[str, int, str, str, int, int, int, int]
# code, severity, message, then the range or four nulls
ProblemRow = tuple[str, str, str, int | None, int | None, int | None, int | None]

LINK_TARGET: Final = 0
LINK_NAME: Final = 1
LINK_KIND: Final = 6
LINK_FIELD: Final = 7

_json = msgspec.json.Encoder()


class NoteRows(msgspec.Struct, frozen=True, array_like=True):
    """Everything the index stores about one note, but its id and its links' resolutions."""

    path: str
    name: str
    title: str
    type: str | None
    frontmatter: str
    frontmatter_range: str | None
    aliases: list[str]
    tags: list[TagRow]
    links: list[LinkRow]
    headings: list[HeadingRow]
    blocks: list[BlockRow]
    tasks: list[TaskRow]
    problems: list[ProblemRow]
    meaning: str = ""
    """A hash of the text with whitespace runs made one space (see ``reader.meaning_hash``)."""


def problem_row(problem: Problem) -> ProblemRow:
    """A problem as stored (its range flattened, or nulls)."""
    span = problem.range
    if span is None:
        return (problem.code, problem.severity, problem.message, None, None, None, None)
    return (problem.code, problem.severity, problem.message, *span)


def note_rows(note: ParsedNote, meaning: str = "") -> NoteRows:
    """The rows of a parsed note; ``meaning`` is the hash of its text's words."""
    return NoteRows(
        path=note.path,
        name=fold(strip_md(note.path.rsplit("/", 1)[-1])),
        title=note.title,
        type=note.type,
        frontmatter=_json.encode(note.frontmatter).decode(),
        frontmatter_range=(
            _json.encode(note.frontmatter_range).decode() if note.frontmatter_range else None
        ),
        aliases=list(note.aliases),
        tags=[(t.name, t.norm, t.key, t.value, t.source, *t.range) for t in note.tags],
        links=[
            (
                link.target,
                target_name(link.target) if link.target else "",
                link.heading,
                link.block,
                link.alias,
                int(link.embed),
                link.kind,
                link.field,
                *link.range,
            )
            for link in note.links
        ],
        headings=[(h.level, h.text, *h.range) for h in note.headings],
        blocks=[(b.id, *b.range) for b in note.blocks],
        tasks=[
            (t.status, int(t.done), t.text, _json.encode(list(t.tags)).decode(), *t.range)
            for t in note.tasks
        ],
        problems=[problem_row(p) for p in note.problems],
        meaning=meaning,
    )
