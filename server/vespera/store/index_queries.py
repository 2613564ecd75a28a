"""Reading the index database: what the indexer, the doctor and editor features ask of it.

:class:`IndexQueries` holds the read-only side of :class:`~vespera.store.index_db.IndexDatabase`
(which adds the writes), so each file stays about one concern.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
import msgspec

from vespera.store.graph_rows import GraphCollector, GraphRows
from vespera.store.note_state import NoteState, decode_state, link_identity
from vespera.vault.model import Problem, Range
from vespera.vault.resolve import fold

_SQL_CHUNK = 500  # stays well under SQLite's limit on bound parameters


@dataclass(frozen=True, slots=True)
class StoredFile:
    """What the index knows of a file's identity, for change detection."""

    mtime_ns: int
    size: int
    content_hash: str


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A stored link, as re-resolution needs it."""

    rowid: int
    source: str
    target: str
    kind: str
    resolved_path: str | None
    candidates: int
    field: str | None


@dataclass(frozen=True, slots=True)
class TagCount:
    """A tag's usage: one of its written forms, occurrences and notes carrying it."""

    norm: str
    name: str
    count: int
    notes: int


@dataclass(frozen=True, slots=True)
class IndexStats:
    """Totals of the index."""

    types: dict[str, int]
    notes: int
    tags: int
    distinct_tags: int
    links: int
    unresolved_links: int
    ambiguous_links: int
    headings: int
    tasks: int
    open_tasks: int
    problems: int


def _file_states(rows: list[sqlite3.Row]) -> dict[str, StoredFile]:
    return {r[0]: StoredFile(r[1], r[2], r[3]) for r in rows}


def chunks(items: Sequence[Any], size: int = _SQL_CHUNK) -> Iterable[Sequence[Any]]:
    """``items`` in slices small enough to bind as the parameters of one statement."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(n: int) -> str:
    """``n`` parameter placeholders for an ``IN (...)`` list."""
    return ",".join("?" * n)


class IndexQueries:
    """Async reads of the index database."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self._rows(sql, params)
        return rows[0][0] if rows else None

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        # One trip to the connection's thread; a cursor would take three (execute, fetch,
        # close), and an edit's indexing runs a dozen small queries.
        return list(await self._conn.execute_fetchall(sql, params))

    async def get_meta(self, key: str) -> str | None:
        """A value from the ``meta`` table."""
        value = await self._scalar("SELECT value FROM meta WHERE key=?", (key,))
        return None if value is None else str(value)

    async def file_states(self, paths: Sequence[str] | None = None) -> dict[str, StoredFile]:
        """Identity of the indexed notes among ``paths`` (or of every note), by path."""
        sql = "SELECT path, mtime_ns, size, content_hash FROM notes"
        if paths is None:
            # Every note: built in a thread, not in one long step of the event loop.
            return await asyncio.to_thread(_file_states, await self._rows(sql))
        else:
            rows = []
            for chunk in chunks(list(paths)):
                rows += await self._rows(f"{sql} WHERE path IN ({marks(len(chunk))})", chunk)
        return _file_states(rows)

    async def paths_at_or_under(self, path: str) -> list[str]:
        """Indexed notes at ``path`` or inside the folder ``path``."""
        prefix = path.rstrip("/") + "/"
        rows = await self._rows(
            "SELECT path FROM notes WHERE path = ? OR (path >= ? AND path < ?)",
            (path, prefix, prefix[:-1] + "0"),  # "0" is the character after "/"
        )
        return [r[0] for r in rows]

    async def resolver_entries(self) -> list[tuple[str, list[str]]]:
        """Every note's path and aliases, to rebuild the link resolver."""
        rows = await self._rows("SELECT path, aliases FROM notes")
        return [(r[0], msgspec.json.decode(r[1])) for r in rows]

    async def dangling_links(self) -> list[LinkRow]:
        """Links resolved to a path that no stored note has (left by an interrupted scan)."""
        rows = await self._rows(
            "SELECT l.rowid, n.path, l.target, l.kind, l.resolved_path, l.candidates, l.field "
            "FROM links l JOIN notes n ON n.id = l.note_id "
            "LEFT JOIN notes t ON t.path = l.resolved_path "
            "WHERE l.resolved_path IS NOT NULL AND t.id IS NULL"
        )
        return [LinkRow(*r) for r in rows]

    async def links_named(self, names: Iterable[str], exclude: Iterable[str] = ()) -> list[LinkRow]:
        """Links whose target's last segment is one of ``names`` (folded)."""
        wanted = sorted(set(names))
        skip = set(exclude)
        result: list[LinkRow] = []
        for chunk in chunks(wanted):
            rows = await self._rows(
                "SELECT links.rowid, notes.path, target, kind, resolved_path, candidates, field "
                "FROM links JOIN notes ON notes.id = links.note_id "
                f"WHERE target_name IN ({marks(len(chunk))})",
                chunk,
            )
            result.extend(LinkRow(*r) for r in rows if r[1] not in skip)
        return result

    async def integrity_check(self) -> str:
        """SQLite's own consistency check plus foreign keys: "ok" or what is wrong."""
        result = str(await self._scalar("PRAGMA integrity_check"))
        orphans = await self._rows("PRAGMA foreign_key_check")
        if orphans:
            result = f"{result}; {len(orphans)} rows refer to missing notes"
        return result

    async def unresolved_links(self) -> list[tuple[str, str, Range]]:
        """Links that point at no note: source path, target as written, range."""
        rows = await self._rows(
            "SELECT n.path, l.target, l.start_line, l.start_char, l.end_line, l.end_char "
            "FROM links l JOIN notes n ON n.id = l.note_id WHERE l.resolved_path IS NULL "
            "ORDER BY n.path, l.start_line, l.start_char"
        )
        return [(r[0], r[1], Range(r[2], r[3], r[4], r[5])) for r in rows]

    async def file_problem_paths(self) -> list[str]:
        """Paths that have problems found while listing or reading files."""
        return [
            r[0] for r in await self._rows("SELECT DISTINCT path FROM problems WHERE origin='file'")
        ]

    async def pending_graph_paths(self, among: Sequence[str] | None = None) -> list[str]:
        """Notes whose graph rows Kuzu has not confirmed yet (all, or those ``among``)."""
        sql = "SELECT path FROM graph_pending"
        if among is None:
            return [r[0] for r in await self._rows(sql + " ORDER BY path")]
        found: list[str] = []
        for chunk in chunks(list(among)):
            found += [
                r[0] for r in await self._rows(f"{sql} WHERE path IN ({marks(len(chunk))})", chunk)
            ]
        return sorted(found)

    async def graph_rows(self, paths: Sequence[str] | None = None) -> GraphRows:
        """The graph's content for ``paths`` (or all notes), derived from the index tables."""
        if paths is None:
            return await self._all_graph_rows()
        out = GraphRows()
        for chunk in chunks(list(paths)):
            where = f"n.path IN ({marks(len(chunk))})"
            out.notes.extend(
                (r[0], r[1], r[2] or "")
                for r in await self._rows(
                    f"SELECT n.path, n.title, n.type FROM notes n WHERE {where}", chunk
                )
            )
            out.tags.extend(
                (r[0], r[1], r[2], r[3], r[4])
                for r in await self._rows(
                    "SELECT n.path, t.norm, min(t.name), t.key, t.value FROM tags t "
                    f"JOIN notes n ON n.id = t.note_id WHERE {where} GROUP BY n.path, t.norm",
                    chunk,
                )
            )
            out.links.extend(
                (r[0], r[1], r[2])
                for r in await self._rows(
                    "SELECT n.path, l.resolved_path, count(*) FROM links l "
                    "JOIN notes n ON n.id = l.note_id JOIN notes t ON t.path = l.resolved_path "
                    f"WHERE {where} AND l.field IS NULL GROUP BY n.path, l.resolved_path",
                    chunk,
                )
            )
            out.field_links.extend(
                (r[0], r[1], r[2])
                for r in await self._rows(
                    "SELECT DISTINCT n.path, l.resolved_path, l.field FROM links l "
                    "JOIN notes n ON n.id = l.note_id JOIN notes t ON t.path = l.resolved_path "
                    f"WHERE {where} AND l.field IS NOT NULL",
                    chunk,
                )
            )
        return out

    async def note_states(self, paths: Sequence[str]) -> dict[str, NoteState]:
        """The stored state of each of ``paths`` that the index holds (for change detection)."""
        out: dict[str, NoteState] = {}
        for chunk in chunks(list(paths)):
            where = f"note_id IN (SELECT id FROM notes WHERE path IN ({marks(len(chunk))}))"
            notes = await self._rows(
                "SELECT id, path, title, type, content_hash, meaning, frontmatter FROM notes "
                f"WHERE path IN ({marks(len(chunk))})",
                chunk,
            )
            if not notes:
                continue
            tags: dict[int, list[Any]] = {}
            for r in await self._rows(
                f"SELECT note_id, name, norm, key, value FROM tags WHERE {where} ORDER BY rowid",
                chunk,
            ):
                tags.setdefault(r[0], []).append((r[1], r[2], r[3], r[4]))
            links: dict[int, list[Any]] = {}
            for r in await self._rows(
                "SELECT note_id, target, target_name, field, resolved_path FROM links "
                f"WHERE {where} AND target != '' ORDER BY rowid",
                chunk,
            ):
                links.setdefault(r[0], []).append((link_identity(r[1], r[2]), r[1], r[3], r[4]))
            tasks: dict[int, list[Any]] = {}
            for r in await self._rows(
                "SELECT note_id, status, done, text, start_line FROM tasks "
                f"WHERE {where} ORDER BY rowid",
                chunk,
            ):
                tasks.setdefault(r[0], []).append((r[1], bool(r[2]), r[3], r[4]))
            for note_id, path, title, kind, digest, meaning, frontmatter in notes:
                out[path] = NoteState(
                    title,
                    kind,
                    digest,
                    meaning,
                    frontmatter,
                    tags.get(note_id, []),
                    links.get(note_id, []),
                    tasks.get(note_id, []),
                )
        return out

    async def event_baselines(self, paths: Sequence[str]) -> dict[str, NoteState | None]:
        """The baselines kept for those of ``paths`` whose editor text has not settled."""
        out: dict[str, NoteState | None] = {}
        for chunk in chunks(list(paths)):
            for path, state in await self._rows(
                f"SELECT path, state FROM event_baselines WHERE path IN ({marks(len(chunk))})",
                chunk,
            ):
                out[path] = None if state is None else decode_state(state)
        return out

    async def unsettled_paths(self) -> list[str]:
        """Notes whose editor text changed the index and whose events are still to be made."""
        return [r[0] for r in await self._rows("SELECT path FROM event_baselines ORDER BY path")]

    async def note_types(self, paths: Sequence[str]) -> dict[str, str | None]:
        """The codex type of each of ``paths`` the index holds."""
        out: dict[str, str | None] = {}
        for chunk in chunks(list(paths)):
            rows = await self._rows(
                f"SELECT path, type FROM notes WHERE path IN ({marks(len(chunk))})", chunk
            )
            out.update((r[0], r[1]) for r in rows)
        return out

    async def _all_graph_rows(self) -> GraphRows:
        """:meth:`graph_rows` for the whole vault: plain scans, aggregated in Python.

        For a full load, reading the tables once and counting in Python is about twice as fast
        as SQLite's grouping joins, and the graph is loaded while nothing else can proceed.
        """
        graph = GraphCollector()
        paths: dict[int, str] = {}
        for note_id, path, title, kind in await self._rows(
            "SELECT id, path, title, type FROM notes"
        ):
            paths[note_id] = path
            graph.note(path, title, kind)
        # Rows whose note is gone (a damaged store) are skipped, as the per-note joins do.
        for note_id, norm, name, key, value in await self._rows(
            "SELECT note_id, norm, name, key, value FROM tags"
        ):
            if note_id in paths:
                graph.tag(paths[note_id], name, norm, key, value)
        links = await self._rows(
            "SELECT note_id, resolved_path, field FROM links WHERE resolved_path IS NOT NULL"
        )
        graph.links((paths[i], target, name) for i, target, name in links if i in paths)
        return graph.rows()

    async def stats(self) -> IndexStats:
        """Totals for ``vespera stats``."""
        one = await self._rows(
            "SELECT (SELECT count(*) FROM notes), (SELECT count(*) FROM tags), "
            "(SELECT count(DISTINCT norm) FROM tags), (SELECT count(*) FROM links), "
            "(SELECT count(*) FROM links WHERE resolved_path IS NULL), "
            "(SELECT count(*) FROM links WHERE candidates > 1), "
            "(SELECT count(*) FROM headings), (SELECT count(*) FROM tasks), "
            "(SELECT count(*) FROM tasks WHERE done = 0), (SELECT count(*) FROM problems)"
        )
        types = await self._rows(
            "SELECT coalesce(type, ''), count(*) FROM notes GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        return IndexStats({r[0]: r[1] for r in types}, *one[0])

    async def problems(self, path: str | None = None) -> list[tuple[str, Problem]]:
        """Recorded problems, for one path or all, ordered by path and position."""
        sql = (
            "SELECT path, code, severity, message, start_line, start_char, end_line, end_char "
            "FROM problems"
        )
        params: tuple[str, ...] = ()
        if path is not None:
            sql += " WHERE path=?"
            params = (path,)
        rows = await self._rows(sql + " ORDER BY path, start_line, start_char, code", params)
        return [
            (
                r[0],
                Problem(
                    r[1], r[3], r[2], Range(r[4], r[5], r[6], r[7]) if r[4] is not None else None
                ),
            )
            for r in rows
        ]

    async def tags_in_use(self, norms: Iterable[str]) -> set[str]:
        """Which of the folded tag names some note still carries."""
        wanted = sorted(set(norms))
        used: set[str] = set()
        for chunk in chunks(wanted):
            rows = await self._rows(
                f"SELECT DISTINCT norm FROM tags WHERE norm IN ({marks(len(chunk))})", chunk
            )
            used.update(r[0] for r in rows)
        return used

    async def tag_counts(self, prefix: str = "", limit: int | None = 100) -> list[TagCount]:
        """Tags starting with ``prefix`` (case-insensitive), most used first (all if no limit)."""
        norm = fold(prefix)
        sql = "SELECT norm, name, count(*) AS uses, count(DISTINCT note_id) FROM tags"
        params: list[Any] = []
        if norm:
            sql += " WHERE norm >= ? AND norm < ?"
            params += [norm, norm + "\U0010ffff"]
        sql += " GROUP BY norm ORDER BY uses DESC, norm LIMIT ?"
        params.append(-1 if limit is None else limit)  # SQLite reads -1 as no limit
        return [TagCount(*r) for r in await self._rows(sql, params)]

    async def backlinks(self, path: str) -> list[tuple[str, str | None, Range]]:
        """Notes linking to ``path``: source path, frontmatter field (if any), link range."""
        rows = await self._rows(
            "SELECT n.path, l.field, l.start_line, l.start_char, l.end_line, l.end_char "
            "FROM links l JOIN notes n ON n.id = l.note_id WHERE l.resolved_path=? "
            "ORDER BY n.path, l.start_line, l.start_char",
            (path,),
        )
        return [(r[0], r[1], Range(r[2], r[3], r[4], r[5])) for r in rows]

    async def notes_by_type(self, note_type: str) -> list[tuple[str, str]]:
        """Paths and titles of notes of a codex type (case-insensitive), by title."""
        rows = await self._rows(
            "SELECT path, title FROM notes WHERE lower(type)=lower(?) ORDER BY title, path",
            (note_type,),
        )
        return [(r[0], r[1]) for r in rows]

    async def count(self, table: str) -> int:
        """Rows in one of the index tables."""
        if table not in {"notes", "tags", "links", "headings", "blocks", "tasks", "problems"}:
            raise ValueError(table)
        return int(await self._scalar(f"SELECT count(*) FROM {table}"))
