"""The operational index in SQLite (through aiosqlite): notes, tags, links, headings, tasks.

Writes come in batches, each one transaction, so a crash leaves every note either as it was or
fully updated. Notes whose graph rows changed are recorded in ``graph_pending`` inside the same
transaction; the graph store clears them once Kuzu has the change.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite
import msgspec

from vespera.store.index_queries import IndexQueries, LinkRow, chunks, marks
from vespera.store.migrations import MIGRATIONS
from vespera.store.note_rows import NoteRows, problem_row
from vespera.vault.model import Problem
from vespera.vault.resolve import Resolution, fold

_json = msgspec.json.Encoder()


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
    # Events detected with this change (encoded), committed with it into the outbox.
    events: list[bytes] = field(default_factory=list)
    # Event baselines to keep (path -> encoded state, None: did not exist) and to forget.
    baselines: dict[str, bytes | None] = field(default_factory=dict)
    settled: list[str] = field(default_factory=list)
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
            or self.events
            or self.baselines
            or self.settled
        )


class IndexDatabase(IndexQueries):
    """Async access to the index database file: the reads of :class:`IndexQueries`, and writes."""

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
        # Statistics from a sample of each index are enough for the planner, and take 1 ms
        # instead of 45 ms on 10k notes.
        await self._conn.execute("PRAGMA analysis_limit=1000")
        await self._conn.execute("ANALYZE")

    async def set_meta(self, key: str, value: str) -> None:
        """Store a value in the ``meta`` table."""
        await self._conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

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
        # Taken before the deletes below: were the note with the highest id among them, a new
        # note would otherwise be given its id while the edited note takes it back.
        next_id = int(await self._scalar("SELECT coalesce(max(id), 0) FROM notes")) + 1
        for chunk in chunks(gone):
            rows = await self._rows(
                f"SELECT path, id FROM notes WHERE path IN ({marks(len(chunk))})", chunk
            )
            existing.update((r[0], r[1]) for r in rows)
            await conn.execute(f"DELETE FROM notes WHERE path IN ({marks(len(chunk))})", chunk)
            await conn.execute(
                f"DELETE FROM problems WHERE origin != 'config' AND path IN ({marks(len(chunk))})",
                chunk,
            )
        for chunk in chunks(batch.cleared_problems):
            await conn.execute(
                f"DELETE FROM problems WHERE origin='file' AND path IN ({marks(len(chunk))})",
                chunk,
            )
        if batch.upserts:
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
            (path, "file", *problem_row(p))
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
            for chunk in chunks(created):
                rows = await self._rows(
                    "SELECT DISTINCT n.path FROM links l JOIN notes n ON n.id = l.note_id "
                    f"WHERE l.resolved_path IN ({marks(len(chunk))})",
                    chunk,
                )
                pending.update(r[0] for r in rows)
        if pending:
            await conn.executemany(
                "INSERT OR IGNORE INTO graph_pending(path) VALUES (?)", [(p,) for p in pending]
            )
        if batch.settled:
            await conn.executemany(
                "DELETE FROM event_baselines WHERE path=?", [(p,) for p in batch.settled]
            )
        if batch.baselines:
            await conn.executemany(
                "INSERT OR IGNORE INTO event_baselines(path, state) VALUES (?, ?)",
                list(batch.baselines.items()),
            )
        if batch.events:
            await conn.executemany(
                "INSERT INTO event_outbox(event) VALUES (?)", [(e,) for e in batch.events]
            )

    async def take_outbox(self) -> list[tuple[int, bytes]]:
        """The events waiting in the outbox, oldest first, with their positions."""
        rows = await self._rows("SELECT position, event FROM event_outbox ORDER BY position")
        return [(r[0], r[1]) for r in rows]

    async def clear_outbox(self, through: int) -> None:
        """Forget the outbox's events up to ``through`` (the event log has them)."""
        await self._conn.execute("DELETE FROM event_outbox WHERE position <= ?", (through,))

    async def replace_config_problems(self, path: str, problems: Sequence[Problem]) -> None:
        """Store the problems of the vault's configuration file (replacing earlier ones)."""
        await self._conn.execute("DELETE FROM problems WHERE origin='config'")
        await self._conn.executemany(
            "INSERT INTO problems VALUES (?,?,?,?,?,?,?,?,?)",
            [(path, "config", *problem_row(p)) for p in problems],
        )

    async def clear_graph_pending(self, paths: Sequence[str] | None = None) -> None:
        """Forget pending graph work, all of it or for ``paths``."""
        if paths is None:
            await self._conn.execute("DELETE FROM graph_pending")
            return
        for chunk in chunks(list(paths)):
            await self._conn.execute(
                f"DELETE FROM graph_pending WHERE path IN ({marks(len(chunk))})", chunk
            )


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
                rows.meaning,
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
        await conn.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", self.notes)
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
