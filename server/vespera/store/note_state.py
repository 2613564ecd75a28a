"""What a note means, in the few parts events are made of: the state change detection compares.

A :class:`NoteState` is built from a note's rows as they are about to be stored, or read back
from the index tables; both give the same value for the same note. Positions are left out
(moving a paragraph is not a change of meaning), except each task's line, which events report.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from vespera.store.note_rows import LINK_FIELD, LINK_NAME, LINK_TARGET, NoteRows

# name, norm, key, value
TagState = tuple[str, str, str | None, str | None]
# identity (the folded name for wikilinks, else the target), as written, field, resolved path
LinkState = tuple[str, str, str | None, str | None]
# status, done, text, line
TaskState = tuple[str, bool, str, int]


class NoteState(msgspec.Struct, frozen=True, array_like=True):
    """A note as change detection sees it."""

    title: str
    type: str | None
    content_hash: str
    meaning: str
    """A hash of the text with every run of whitespace made one space."""
    frontmatter: str
    """The frontmatter as JSON (compared as text first: most edits leave it alone)."""
    tags: list[TagState]
    links: list[LinkState]
    tasks: list[TaskState]


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(NoteState)


def encode_state(state: NoteState) -> bytes:
    """The state as stored while a note's events wait for its editor to settle."""
    return _encoder.encode(state)


def decode_state(data: bytes) -> NoteState:
    """The inverse of :func:`encode_state`."""
    return _decoder.decode(data)


def link_identity(target: str, name: str) -> str:
    """What makes two links "the same link" for events: the note name a wikilink names."""
    return name or target


def state_of(rows: NoteRows, content_hash: str, resolved: Sequence[str | None]) -> NoteState:
    """The state of a note about to be stored, its links resolved as ``resolved`` says."""
    return NoteState(
        title=rows.title,
        type=rows.type,
        content_hash=content_hash,
        meaning=rows.meaning,
        frontmatter=rows.frontmatter,
        tags=[(t[0], t[1], t[2], t[3]) for t in rows.tags],
        links=[
            (
                link_identity(link[LINK_TARGET], link[LINK_NAME]),
                link[LINK_TARGET],
                link[LINK_FIELD],
                path,
            )
            for link, path in zip(rows.links, resolved, strict=True)
            if link[LINK_TARGET]  # a link to a heading of the note itself links nothing
        ],
        tasks=[(t[0], bool(t[1]), t[2], t[4]) for t in rows.tasks],
    )
