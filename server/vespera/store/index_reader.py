"""A second, read-only connection to the index, for the editor's questions.

The indexer's connection runs one statement at a time; an editor asking for completions while a
full re-index writes large batches would wait behind them. SQLite in WAL mode lets readers run
beside a writer, each seeing the last committed state, so the editor reads through its own
connection (and its own thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import msgspec

from vespera.store.index_queries import IndexQueries
from vespera.vault.model import Link, Range


@dataclass(frozen=True, slots=True)
class NoteSummary:
    """What completions and symbols need to know of a note."""

    path: str
    title: str
    type: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TagOccurrence:
    """Where a tag is written: in a note's frontmatter or inline in its text."""

    path: str
    name: str
    source: str
    range: Range


class IndexReader(IndexQueries):
    """Read-only queries on the index, through a connection of their own."""

    @classmethod
    async def open(cls, path: Path) -> IndexReader:
        """Open ``path`` read-only; the indexer must have created and migrated it."""
        conn = await aiosqlite.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA query_only=ON")
        return cls(conn, path)

    async def close(self) -> None:
        """Close the connection."""
        await self._conn.close()

    async def note_summaries(self) -> list[NoteSummary]:
        """Every note's path, title, type and aliases."""
        rows = await self._rows("SELECT path, title, type, aliases FROM notes")
        return [NoteSummary(r[0], r[1], r[2], tuple(msgspec.json.decode(r[3]))) for r in rows]

    async def tag_spellings(self) -> dict[str, list[tuple[str, int]]]:
        """For each folded tag, its spellings as written and how often each is used."""
        rows = await self._rows("SELECT norm, name, count(*) FROM tags GROUP BY norm, name")
        out: dict[str, list[tuple[str, int]]] = {}
        for norm, name, uses in rows:
            out.setdefault(norm, []).append((name, uses))
        return out

    async def headings(self, path: str) -> list[tuple[int, str, Range]]:
        """The headings of the note at ``path``: level, text, range; in document order."""
        rows = await self._rows(
            "SELECT h.level, h.text, h.start_line, h.start_char, h.end_line, h.end_char "
            "FROM headings h JOIN notes n ON n.id = h.note_id WHERE n.path = ? "
            "ORDER BY h.start_line",
            (path,),
        )
        return [(r[0], r[1], Range(r[2], r[3], r[4], r[5])) for r in rows]

    async def blocks(self, path: str) -> list[tuple[str, Range]]:
        """The block ids (``^id``) of the note at ``path`` and their ranges."""
        rows = await self._rows(
            "SELECT b.block_id, b.start_line, b.start_char, b.end_line, b.end_char "
            "FROM blocks b JOIN notes n ON n.id = b.note_id WHERE n.path = ? "
            "ORDER BY b.start_line",
            (path,),
        )
        return [(r[0], Range(r[1], r[2], r[3], r[4])) for r in rows]

    async def tag_occurrences(self, norm: str, children: bool = False) -> list[TagOccurrence]:
        """Every place a tag is written (and, with ``children``, its nested ``norm/...`` tags)."""
        sql = (
            "SELECT n.path, t.name, t.source, t.start_line, t.start_char, t.end_line, t.end_char "
            "FROM tags t JOIN notes n ON n.id = t.note_id WHERE t.norm = ?"
        )
        params: list[str] = [norm]
        if children:
            prefix = norm + "/"
            sql += " OR (t.norm >= ? AND t.norm < ?)"
            params += [prefix, norm + "0"]  # "0" is the character after "/"
        sql += " ORDER BY n.path, t.start_line, t.start_char"
        return [
            TagOccurrence(r[0], r[1], r[2], Range(r[3], r[4], r[5], r[6]))
            for r in await self._rows(sql, params)
        ]

    async def notes_tagged(self, norm: str, limit: int = 5) -> list[tuple[str, str]]:
        """Paths and titles of notes carrying a tag, most recently indexed first."""
        rows = await self._rows(
            "SELECT DISTINCT n.path, n.title, n.indexed_at FROM tags t "
            "JOIN notes n ON n.id = t.note_id WHERE t.norm = ? "
            "ORDER BY n.indexed_at DESC, n.path LIMIT ?",
            (norm, limit),
        )
        return [(r[0], r[1]) for r in rows]

    async def links_to(self, path: str) -> list[tuple[str, Link]]:
        """Every link resolved to the note at ``path``, with the note it is written in."""
        rows = await self._rows(
            "SELECT n.path, l.target, l.heading, l.block, l.alias, l.embed, l.kind, l.field, "
            "l.start_line, l.start_char, l.end_line, l.end_char "
            "FROM links l JOIN notes n ON n.id = l.note_id WHERE l.resolved_path = ? "
            "ORDER BY n.path, l.start_line, l.start_char",
            (path,),
        )
        return [
            (r[0], Link(r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7], Range(*r[8:12])))
            for r in rows
        ]
