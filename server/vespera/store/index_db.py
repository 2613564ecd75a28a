"""The operational index in SQLite (through aiosqlite): notes, tags, links, headings, tasks.

Writes come in batches, each one transaction, so a crash leaves every note either as it was or
fully updated. Notes whose graph rows changed are recorded in ``graph_pending`` inside the same
transaction; the graph store clears them once Kuzu has the change.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite
import msgspec

from vespera.store.graph_rows import GraphRows
from vespera.store.migrations import MIGRATIONS
from vespera.store.note_rows import NoteRows
from vespera.vault.model import Problem, Range
from vespera.vault.resolve import Resolution, fold

_json = msgspec.json.Encoder()
_SQL_CHUNK = 500  # stays well under SQLite's limit on bound parameters


@dataclass(frozen=True, slots=True)
class StoredFile:
    """What the index knows of a file's identity, for change detection."""

    id: int
    mtime_ns: int
    size: int
    content_hash: str


@dataclass(slots=True)
class NoteRecord:
    """A parsed note's rows ready to store, with its file identity and links' resolutions."""

    rows: NoteRows
    content_hash: str
    mtime_ns: int
    size: int
    resolutions: list[Resolution]


@dataclass
class WriteBatch:
    """One transaction's worth of index changes."""

    upserts: list[NoteRecord] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)
    touches: list[tuple[str, int, int]] = field(default_factory=list)
    file_problems: dict[str, list[Problem]] = field(default_factory=dict)
    cleared_problems: list[str] = field(default_factory=list)
    # Whether notes linking to newly stored notes get their graph rows refreshed. A scan
    # that reloads the whole graph anyway turns this off to save the lookups.
    refresh_linkers: bool = True

    def __bool__(self) -> bool:
        return bool(
            self.upserts
            or self.deletions
            or self.touches
            or self.file_problems
            or self.cleared_problems
        )


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A stored link, as re-resolution needs it."""

    rowid: int
    source: str
    target: str
    kind: str
    resolved_path: str | None
    candidates: int


@dataclass(frozen=True, slots=True)
class TagCount:
    """A tag's usage: its most common written form, occurrences and notes carrying it."""

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


def _chunks(items: Sequence[Any], size: int = _SQL_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _range_cols(span: Range | None) -> tuple[int | None, int | None, int | None, int | None]:
    if span is None:
        return (None, None, None, None)
    return (span.start_line, span.start_char, span.end_line, span.end_char)


class IndexDatabase:
    """Async access to the index database file."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    @classmethod
    async def open(cls, path: Path) -> IndexDatabase:
        """Open (creating if needed) and migrate the database at ``path``."""
        conn = await aiosqlite.connect(path, isolation_level=None)
        db = cls(conn, path)
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        await db._migrate()
        await db.restore_indexes()
        return db

    async def close(self) -> None:
        """Checkpoint and close."""
        await self._conn.execute("PRAGMA optimize")
        await self._conn.close()

    async def _migrate(self) -> None:
        version = await self._scalar("PRAGMA user_version")
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"The index at {self.path} was written by a newer Vespera (schema {version}); "
                "delete it to rebuild from the vault."
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self._conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={number};\nCOMMIT;"
            )

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        async with self._conn.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return row[0] if row is not None else None

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    # --- bulk loading ---------------------------------------------------------------------

    async def defer_indexes(self) -> None:
        """Drop secondary indexes for a bulk load; :meth:`restore_indexes` builds them again.

        Building an index once over sorted data is several times faster than keeping it up to
        date row by row. The definitions are saved in ``meta`` first, so a crash in between is
        repaired when the database is next opened.
        """
        rows = await self._rows(
            "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
        )
        if not rows:
            return
        await self.set_meta("deferred_indexes", _json.encode([[r[0], r[1]] for r in rows]).decode())
        for name, _ in rows:
            await self._conn.execute(f'DROP INDEX IF EXISTS "{name}"')
        # Rows of a bulk load refer to notes of their own batch; checking each one against
        # the notes table costs an eighth of the insert time. `vespera doctor` runs SQLite's
        # foreign_key_check should a store ever be damaged.
        await self._conn.execute("PRAGMA foreign_keys=OFF")

    async def restore_indexes(self) -> None:
        """Build again the indexes :meth:`defer_indexes` dropped, if any."""
        saved = await self.get_meta("deferred_indexes")
        if saved is None:
            return
        for _, sql in msgspec.json.decode(saved):
            await self._conn.execute(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
        await self._conn.execute("DELETE FROM meta WHERE key='deferred_indexes'")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("ANALYZE")

    # --- meta -------------------------------------------------------------------------------

    async def get_meta(self, key: str) -> str | None:
        """A value from the ``meta`` table."""
        value = await self._scalar("SELECT value FROM meta WHERE key=?", (key,))
        return None if value is None else str(value)

    async def set_meta(self, key: str, value: str) -> None:
        """Store a value in the ``meta`` table."""
        await self._conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    # --- what the indexer needs -------------------------------------------------------------

    async def file_states(self, paths: Sequence[str] | None = None) -> dict[str, StoredFile]:
        """Identity of the indexed notes among ``paths`` (or of every note), by path."""
        sql = "SELECT path, id, mtime_ns, size, content_hash FROM notes"
        if paths is None:
            rows = await self._rows(sql)
        else:
            rows = []
            for chunk in _chunks(list(paths)):
                rows += await self._rows(f"{sql} WHERE path IN ({_marks(len(chunk))})", chunk)
        return {r[0]: StoredFile(r[1], r[2], r[3], r[4]) for r in rows}

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
            "SELECT l.rowid, n.path, l.target, l.kind, l.resolved_path, l.candidates "
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
        for chunk in _chunks(wanted):
            rows = await self._rows(
                "SELECT links.rowid, notes.path, target, kind, resolved_path, candidates "
                "FROM links JOIN notes ON notes.id = links.note_id "
                f"WHERE target_name IN ({_marks(len(chunk))})",
                chunk,
            )
            result.extend(LinkRow(*r) for r in rows if r[1] not in skip)
        return result

    async def write(
        self, batch: WriteBatch, relinked: Sequence[tuple[LinkRow, Resolution]] = ()
    ) -> None:
        """Apply ``batch`` and link re-resolutions in one transaction."""
        conn = self._conn
        await conn.execute("BEGIN IMMEDIATE")
        try:
            await self._apply(batch, relinked)
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")

    async def _apply(
        self, batch: WriteBatch, relinked: Sequence[tuple[LinkRow, Resolution]]
    ) -> None:
        conn = self._conn
        changed_paths = [r.rows.path for r in batch.upserts]
        gone = [*batch.deletions, *changed_paths]
        existing: dict[str, int] = {}
        for chunk in _chunks(gone):
            rows = await self._rows(
                f"SELECT path, id FROM notes WHERE path IN ({_marks(len(chunk))})", chunk
            )
            existing.update((r[0], r[1]) for r in rows)
            await conn.execute(f"DELETE FROM notes WHERE path IN ({_marks(len(chunk))})", chunk)
            await conn.execute(
                f"DELETE FROM problems WHERE origin != 'config' AND path IN ({_marks(len(chunk))})",
                chunk,
            )
        for chunk in _chunks(batch.cleared_problems):
            await conn.execute(
                f"DELETE FROM problems WHERE origin='file' AND path IN ({_marks(len(chunk))})",
                chunk,
            )
        if batch.upserts:
            next_id = int(await self._scalar("SELECT coalesce(max(id), 0) FROM notes")) + 1
            new_rows = _Rows()
            for record in batch.upserts:
                note_id = existing.get(record.rows.path)
                if note_id is None:
                    note_id, next_id = next_id, next_id + 1
                new_rows.add(note_id, record)
            await new_rows.insert(conn)
        if batch.touches:
            await conn.executemany(
                "UPDATE notes SET mtime_ns=?, size=? WHERE path=?",
                [(m, s, p) for p, m, s in batch.touches],
            )
        problems = [
            (path, "file", p.code, p.severity, p.message, *_range_cols(p.range))
            for path, found in batch.file_problems.items()
            for p in found
        ]
        if problems:
            await conn.executemany(
                "DELETE FROM problems WHERE origin='file' AND path=?",
                [(path,) for path in batch.file_problems],
            )
            await conn.executemany("INSERT INTO problems VALUES (?,?,?,?,?,?,?,?,?)", problems)
        updates = [
            (res.path, res.candidates, link.rowid)
            for link, res in relinked
            if (res.path, res.candidates) != (link.resolved_path, link.candidates)
        ]
        if updates:
            await conn.executemany(
                "UPDATE links SET resolved_path=?, candidates=? WHERE rowid=?", updates
            )
        pending = {
            *gone,
            *(link.source for link, res in relinked if res.path != link.resolved_path),
        }
        created = [p for p in changed_paths if p not in existing]
        if batch.refresh_linkers and created:
            # Links may have been resolved to these notes before they were stored (a scan
            # knows every name in advance, and may have been interrupted); the graph only
            # holds edges to stored notes, so their sources need their edges again.
            for chunk in _chunks(created):
                rows = await self._rows(
                    "SELECT DISTINCT n.path FROM links l JOIN notes n ON n.id = l.note_id "
                    f"WHERE l.resolved_path IN ({_marks(len(chunk))})",
                    chunk,
                )
                pending.update(r[0] for r in rows)
        if pending:
            await conn.executemany(
                "INSERT OR IGNORE INTO graph_pending(path) VALUES (?)", [(p,) for p in pending]
            )

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

    async def replace_config_problems(self, path: str, problems: Sequence[Problem]) -> None:
        """Store the problems of the vault's configuration file (replacing earlier ones)."""
        await self._conn.execute("DELETE FROM problems WHERE origin='config'")
        await self._conn.executemany(
            "INSERT INTO problems VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (path, "config", p.code, p.severity, p.message, *_range_cols(p.range))
                for p in problems
            ],
        )

    # --- graph synchronisation --------------------------------------------------------------

    async def pending_graph_paths(self, among: Sequence[str] | None = None) -> list[str]:
        """Notes whose graph rows Kuzu has not confirmed yet (all, or those ``among``)."""
        sql = "SELECT path FROM graph_pending"
        if among is None:
            return [r[0] for r in await self._rows(sql + " ORDER BY path")]
        found: list[str] = []
        for chunk in _chunks(list(among)):
            found += [
                r[0] for r in await self._rows(f"{sql} WHERE path IN ({_marks(len(chunk))})", chunk)
            ]
        return sorted(found)

    async def clear_graph_pending(self, paths: Sequence[str] | None = None) -> None:
        """Forget pending graph work, all of it or for ``paths``."""
        if paths is None:
            await self._conn.execute("DELETE FROM graph_pending")
            return
        for chunk in _chunks(list(paths)):
            await self._conn.execute(
                f"DELETE FROM graph_pending WHERE path IN ({_marks(len(chunk))})", chunk
            )

    async def graph_rows(self, paths: Sequence[str] | None = None) -> GraphRows:
        """The graph's content for ``paths`` (or all notes), derived from the index tables."""
        if paths is None:
            return await self._all_graph_rows()
        out = GraphRows()
        where, params_list = "", [()]
        if paths is not None:
            params_list = [tuple(c) for c in _chunks(list(paths))]
        for params in params_list:
            if paths is not None:
                where = f" WHERE n.path IN ({_marks(len(params))})"
            out.notes.extend(
                (r[0], r[1], r[2] or "")
                for r in await self._rows(
                    f"SELECT n.path, n.title, n.type FROM notes n{where}", params
                )
            )
            out.tags.extend(
                (r[0], r[1], r[2], r[3], r[4])
                for r in await self._rows(
                    "SELECT n.path, t.norm, min(t.name), t.key, t.value FROM tags t "
                    f"JOIN notes n ON n.id = t.note_id{where} GROUP BY n.path, t.norm",
                    params,
                )
            )
            out.links.extend(
                (r[0], r[1], r[2])
                for r in await self._rows(
                    "SELECT n.path, l.resolved_path, count(*) FROM links l "
                    "JOIN notes n ON n.id = l.note_id "
                    f"JOIN notes t ON t.path = l.resolved_path{where}"
                    f"{' AND' if where else ' WHERE'} l.resolved_path IS NOT NULL "
                    "AND l.field IS NULL GROUP BY n.path, l.resolved_path",
                    params,
                )
            )
            out.field_links.extend(
                (r[0], r[1], r[2])
                for r in await self._rows(
                    "SELECT DISTINCT n.path, l.resolved_path, l.field FROM links l "
                    "JOIN notes n ON n.id = l.note_id "
                    f"JOIN notes t ON t.path = l.resolved_path{where}"
                    f"{' AND' if where else ' WHERE'} l.resolved_path IS NOT NULL "
                    "AND l.field IS NOT NULL",
                    params,
                )
            )
        return out

    async def _all_graph_rows(self) -> GraphRows:
        """:meth:`graph_rows` for the whole vault: plain scans, aggregated here.

        For a full load, reading the tables once and counting in Python is about twice as fast
        as SQLite's grouping joins, and the graph is loaded while nothing else can proceed.
        """
        notes = {r[0]: r[1:] for r in await self._rows("SELECT id, path, title, type FROM notes")}
        paths = {path for path, _, _ in notes.values()}
        out = GraphRows(notes=[(p, t, ty or "") for p, t, ty in notes.values()])
        tags: dict[tuple[int, str], tuple[str, str, str | None, str | None]] = {}
        for note_id, norm, name, key, value in await self._rows(
            "SELECT note_id, norm, name, key, value FROM tags"
        ):
            known = tags.get((note_id, norm))
            if known is None or name < known[1]:
                tags[(note_id, norm)] = (norm, name, key, value)
        # Rows whose note is gone (a damaged store) are skipped, as the per-note joins do.
        out.tags = [(notes[i][0], *row) for (i, _), row in tags.items() if i in notes]
        counts: Counter[tuple[str, str]] = Counter()
        fields: set[tuple[str, str, str]] = set()
        for note_id, target, name in await self._rows(
            "SELECT note_id, resolved_path, field FROM links WHERE resolved_path IS NOT NULL"
        ):
            if target not in paths or note_id not in notes:
                continue  # resolved to a note not stored (yet), or orphaned: no edge
            if name is None:
                counts[(notes[note_id][0], target)] += 1
            else:
                fields.add((notes[note_id][0], target, name))
        out.links = [(src, dst, n) for (src, dst), n in counts.items()]
        out.field_links = sorted(fields)
        return out

    # --- queries ----------------------------------------------------------------------------

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
        for chunk in _chunks(wanted):
            rows = await self._rows(
                f"SELECT DISTINCT norm FROM tags WHERE norm IN ({_marks(len(chunk))})", chunk
            )
            used.update(r[0] for r in rows)
        return used

    async def tag_counts(self, prefix: str = "", limit: int = 100) -> list[TagCount]:
        """Tags starting with ``prefix`` (case-insensitive), most used first."""
        norm = fold(prefix)
        sql = "SELECT norm, name, count(*) AS uses, count(DISTINCT note_id) FROM tags"
        params: list[Any] = []
        if norm:
            sql += " WHERE norm >= ? AND norm < ?"
            params += [norm, norm + "\U0010ffff"]
        sql += " GROUP BY norm ORDER BY uses DESC, norm LIMIT ?"
        params.append(limit)
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

    async def note_paths(self) -> set[str]:
        """Every indexed note path."""
        return {r[0] for r in await self._rows("SELECT path FROM notes")}

    async def count(self, table: str) -> int:
        """Rows in one of the index tables."""
        if table not in {"notes", "tags", "links", "headings", "blocks", "tasks", "problems"}:
            raise ValueError(table)
        return int(await self._scalar(f"SELECT count(*) FROM {table}"))


class _Rows:
    """Accumulates the rows of many notes, then inserts them table by table."""

    def __init__(self) -> None:
        self.notes: list[tuple[Any, ...]] = []
        self.aliases: list[tuple[Any, ...]] = []
        self.tags: list[tuple[Any, ...]] = []
        self.links: list[tuple[Any, ...]] = []
        self.headings: list[tuple[Any, ...]] = []
        self.blocks: list[tuple[Any, ...]] = []
        self.tasks: list[tuple[Any, ...]] = []
        self.problems: list[tuple[Any, ...]] = []
        self.now = time.time()

    def add(self, note_id: int, record: NoteRecord) -> None:
        rows = record.rows
        self.notes.append(
            (
                note_id,
                rows.path,
                rows.name,
                rows.title,
                rows.type,
                record.content_hash,
                record.mtime_ns,
                record.size,
                rows.frontmatter,
                rows.frontmatter_range,
                _json.encode(rows.aliases).decode(),
                self.now,
            )
        )
        self.aliases.extend([(note_id, a, fold(a)) for a in rows.aliases])
        self.tags.extend([(note_id, *t) for t in rows.tags])
        self.links.extend(
            [
                (note_id, *link, res.path, res.candidates)
                for link, res in zip(rows.links, record.resolutions, strict=True)
            ]
        )
        self.headings.extend([(note_id, *h) for h in rows.headings])
        self.blocks.extend([(note_id, *b) for b in rows.blocks])
        self.tasks.extend([(note_id, *t) for t in rows.tasks])
        self.problems.extend([(rows.path, "parse", *p) for p in rows.problems])

    async def insert(self, conn: aiosqlite.Connection) -> None:
        await conn.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", self.notes)
        await conn.executemany("INSERT INTO aliases VALUES (?,?,?)", self.aliases)
        await conn.executemany("INSERT INTO tags VALUES (?,?,?,?,?,?,?,?,?,?)", self.tags)
        await conn.executemany(
            "INSERT INTO links (note_id, target, target_name, heading, block, alias, embed, kind, "
            "field, start_line, start_char, end_line, end_char, resolved_path, candidates) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            self.links,
        )
        await conn.executemany("INSERT INTO headings VALUES (?,?,?,?,?,?,?)", self.headings)
        await conn.executemany("INSERT INTO blocks VALUES (?,?,?,?,?,?)", self.blocks)
        await conn.executemany("INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?)", self.tasks)
        await conn.executemany("INSERT INTO problems VALUES (?,?,?,?,?,?,?,?,?)", self.problems)
