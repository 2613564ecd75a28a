"""The event log: an append-only SQLite database of a vault's events, and subscriber checkpoints.

It is its own file (``events.sqlite`` in the state folder), because unlike the index it cannot
be rebuilt from the vault: rebuilding the index leaves it alone. It runs in WAL mode with
``synchronous=FULL``, so a committed event survives a power cut, and readers (``vespera events
tail`` in another process) never block the writer.

Sequences are gap-free: appends take the write lock, number their events from the last
sequence on, and commit them in one transaction. Retention deletes old events but never
renumbers, so order is kept.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import sqlite3
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, Final, ParamSpec, TypeVar

import aiosqlite
import msgspec

from vespera_protocol.events import AUTOMATION_PREFIX, Event
from vespera_protocol.messages import EventFilter

P = ParamSpec("P")
R = TypeVar("R")

EVENTS_FILE: Final = "events.sqlite"
DEFAULT_PAGE: Final = 100
MAX_PAGE: Final = 10_000
_CHUNK = 500

_SCHEMA: tuple[str, ...] = (
    """
    CREATE TABLE events (
        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        subject TEXT NOT NULL,
        actor TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        correlationid TEXT NOT NULL,
        causationid TEXT,
        keep INTEGER NOT NULL DEFAULT 0,
        body BLOB NOT NULL
    );
    CREATE INDEX events_subject ON events(subject, sequence);
    CREATE INDEX events_type ON events(type, sequence);
    CREATE INDEX events_actor ON events(actor, sequence);
    CREATE INDEX events_correlation ON events(correlationid, sequence);
    CREATE INDEX events_time ON events(time_ms);

    CREATE TABLE checkpoints (
        subscriber TEXT PRIMARY KEY,
        sequence INTEGER NOT NULL,
        updated TEXT NOT NULL
    );
    """,
)

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Event)


class EventLogError(RuntimeError):
    """The event log cannot be opened or read (the message says why)."""


def parse_time(value: str) -> int:
    """Milliseconds since the epoch of an RFC 3339 time or date (a date means its midnight UTC)."""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not a time (use RFC 3339: 2026-11-22T10:00:00Z)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class Page:
    """Events of one query, and the sequence to continue from (``None``: nothing more)."""

    events: list[Event]
    next: int | None


def _where(spec: EventFilter) -> tuple[list[str], list[Any]]:
    """SQL conditions for a filter."""
    where: list[str] = []
    params: list[Any] = []
    if spec.types:
        exact = [t for t in spec.types if not t.endswith("*")]
        options = []
        if exact:
            options.append(f"type IN ({','.join('?' * len(exact))})")
            params += exact
        for prefix in (t[:-1] for t in spec.types if t.endswith("*")):
            options.append("substr(type, 1, ?) = ?")
            params += [len(prefix), prefix]
        where.append(f"({' OR '.join(options)})")
    if spec.subject:
        if spec.subject.endswith("/"):  # a folder: every note under it
            where.append("subject >= ? AND subject < ?")
            params += [spec.subject, spec.subject[:-1] + "0"]  # "0" sorts right after "/"
        else:
            where.append("subject = ?")
            params.append(spec.subject)
    if spec.actor:
        if spec.actor.endswith("*") or spec.actor == AUTOMATION_PREFIX:
            prefix = spec.actor.rstrip("*")
            where.append("substr(actor, 1, ?) = ?")
            params += [len(prefix), prefix]
        else:
            where.append("actor = ?")
            params.append(spec.actor)
    if spec.since:
        where.append("time_ms >= ?")
        params.append(parse_time(spec.since))
    if spec.until:
        where.append("time_ms < ?")
        params.append(parse_time(spec.until))
    if spec.correlationid:
        where.append("correlationid = ?")
        params.append(spec.correlationid)
    return where, params


def _exclusive(
    method: Callable[Concatenate[EventLog, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[EventLog, P], Coroutine[Any, Any, R]]:
    """Run a method alone on the log's connection.

    Subscribers and the writer share one connection, and an append's transaction spans
    several awaits: a query slipped in between would see events not yet committed.
    """

    @functools.wraps(method)
    async def run(self: EventLog, /, *args: P.args, **kwargs: P.kwargs) -> R:
        async with self._lock:
            return await method(self, *args, **kwargs)

    return run


class EventLog:
    """A vault's event log. ``await EventLog.open(path)``; one writer per vault."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, read_only: bool) -> None:
        self._conn = conn
        self.path = path
        self.read_only = read_only
        self._lock = asyncio.Lock()
        self.last = 0
        """The last sequence given out, known without a query (a log has one writer: this
        one, once opened for writing)."""

    @classmethod
    async def open(cls, path: Path, read_only: bool = False) -> EventLog:
        """Open (creating unless ``read_only``) the log at ``path``."""
        if read_only and not await asyncio.to_thread(path.exists):
            raise EventLogError(f"There is no event log at {path} yet; index the vault first.")
        target = f"file:{path}?mode=ro" if read_only else str(path)
        try:
            conn = await aiosqlite.connect(target, isolation_level=None, uri=read_only)
        except sqlite3.Error as exc:
            raise EventLogError(f"Cannot open the event log {path}: {exc}") from exc
        log = cls(conn, path, read_only)
        try:
            await conn.execute("PRAGMA busy_timeout=5000")
            if not read_only:
                await conn.execute("PRAGMA journal_mode=WAL")
                await conn.execute("PRAGMA synchronous=FULL")
                await log._migrate()
                log.last = await log.head()
        except BaseException:
            await conn.close()
            raise
        return log

    async def close(self) -> None:
        """Close the connection."""
        await self._conn.close()

    async def _migrate(self) -> None:
        async with self._conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = int(row[0]) if row else 0
        if version > len(_SCHEMA):
            raise EventLogError(
                f"The event log {self.path} was written by a newer Vespera (schema {version})."
            )
        for number, script in enumerate(_SCHEMA[version:], start=version + 1):
            await self._conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={number};\nCOMMIT;"
            )

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(await self._conn.execute_fetchall(sql, params))  # one thread trip

    # -- writing ----------------------------------------------------------------------------

    @_exclusive
    async def append(
        self,
        events: Sequence[Event],
        arrange: Callable[[list[Event]], list[Event]] | None = None,
    ) -> list[Event]:
        """Commit ``events`` in order, numbered from the last sequence on; returns them numbered.

        Events whose id the log already holds are left out (appending the same events twice,
        as recovery after a crash may, adds them once), so no sequence is ever skipped.
        ``arrange`` then reorders or merges the new ones (pairing renames), seeing none of the
        events already logged.
        """
        if not events:
            return []
        conn = self._conn
        await conn.execute("BEGIN IMMEDIATE")
        try:
            known = await self._known([e.id for e in events])
            events = [e for e in events if e.id not in known]
            if arrange is not None:
                events = arrange(events)
            rows = await self._rows("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
            last = int(rows[0][0]) if rows else 0
            numbered: list[Event] = []
            values = []
            for event in events:
                last += 1
                event = msgspec.structs.replace(event, sequence=last)
                numbered.append(event)
                values.append(
                    (
                        last,
                        event.id,
                        event.type,
                        event.subject,
                        event.actor,
                        parse_time(event.time),
                        event.correlationid,
                        event.causationid,
                        int(event.actor.startswith(AUTOMATION_PREFIX)),
                        _encoder.encode(event),
                    )
                )
            await conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?)", values)
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
        if numbered:
            self.last = last
        return numbered

    @_exclusive
    async def keep(self, correlationid: str) -> None:
        """Exempt a cascade from retention (an automation run that changed files)."""
        await self._conn.execute(
            "UPDATE events SET keep = 1 WHERE correlationid = ? AND keep = 0", (correlationid,)
        )

    @_exclusive
    async def compact(self, keep_days: int | None, now_ms: int | None = None) -> int:
        """Delete events older than ``keep_days`` (``None``: keep all); returns how many.

        Cascades that contain an automation's changes (or were kept with :meth:`keep`) stay
        whole, however old: they are what undo and the audit trail need.
        """
        if keep_days is None:
            return 0
        now = now_ms if now_ms is not None else int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        cutoff = now - keep_days * 86_400_000
        # Run at every start: when nothing is old enough (the index on time answers that),
        # the scan for kept cascades below is not needed.
        oldest = await self._rows("SELECT min(time_ms) FROM events")
        if oldest[0][0] is None or oldest[0][0] >= cutoff:
            return 0
        cursor = await self._conn.execute(
            "DELETE FROM events WHERE time_ms < ? AND keep = 0 AND correlationid NOT IN "
            "(SELECT correlationid FROM events WHERE keep = 1)",
            (cutoff,),
        )
        return cursor.rowcount

    # -- reading ----------------------------------------------------------------------------

    async def _known(self, ids: Sequence[str]) -> set[str]:
        known: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            part = list(ids[start : start + _CHUNK])
            rows = await self._rows(
                f"SELECT id FROM events WHERE id IN ({','.join('?' * len(part))})", part
            )
            known.update(r[0] for r in rows)
        return known

    @_exclusive
    async def head(self) -> int:
        """The last sequence given out (0 for an empty log)."""
        rows = await self._rows("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
        return int(rows[0][0]) if rows else 0

    @_exclusive
    async def count(self) -> int:
        """How many events the log holds."""
        rows = await self._rows("SELECT count(*) FROM events")
        return int(rows[0][0])

    @_exclusive
    async def query(
        self,
        spec: EventFilter | None = None,
        after: int | None = None,
        before: int | None = None,
        limit: int = DEFAULT_PAGE,
        newest_first: bool = False,
    ) -> Page:
        """Events matching ``spec``, by sequence, after ``after`` and/or before ``before``.

        Oldest first unless ``newest_first``; ``next`` continues the paging (pass it as
        ``after``, or as ``before`` when newest first).
        """
        where, params = _where(spec or EventFilter())
        if after is not None:
            where.append("sequence > ?")
            params.append(after)
        if before is not None:
            where.append("sequence < ?")
            params.append(before)
        limit = max(1, min(limit, MAX_PAGE))
        order = "DESC" if newest_first else "ASC"
        sql = (
            f"SELECT body FROM events {'WHERE ' + ' AND '.join(where) if where else ''} "
            f"ORDER BY sequence {order} LIMIT ?"
        )
        rows = await self._rows(sql, [*params, limit + 1])
        more = len(rows) > limit
        events = [_decoder.decode(r[0]) for r in rows[:limit]]
        last = events[-1].sequence if more and events else None
        return Page(events, last)

    @_exclusive
    async def get(self, event_id: str) -> Event | None:
        """The event with id ``event_id``, if the log holds it."""
        rows = await self._rows("SELECT body FROM events WHERE id = ?", (event_id,))
        return _decoder.decode(rows[0][0]) if rows else None

    @_exclusive
    async def since_time(self, when: str) -> int:
        """The sequence to read after to start at the first event at or after ``when``."""
        rows = await self._rows(
            "SELECT min(sequence) FROM events WHERE time_ms >= ?", (parse_time(when),)
        )
        first = rows[0][0]
        if first is not None:
            return int(first) - 1
        rows = await self._rows("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
        return int(rows[0][0]) if rows else 0

    # -- subscriber checkpoints --------------------------------------------------------------

    @_exclusive
    async def checkpoint(self, subscriber: str) -> int | None:
        """The last sequence ``subscriber`` has taken (``None``: it never subscribed)."""
        rows = await self._rows(
            "SELECT sequence FROM checkpoints WHERE subscriber = ?", (subscriber,)
        )
        return int(rows[0][0]) if rows else None

    @_exclusive
    async def set_checkpoint(self, subscriber: str, sequence: int) -> None:
        """Record that ``subscriber`` has taken every event up to ``sequence`` (durably)."""
        await self._conn.execute(
            "INSERT INTO checkpoints VALUES (?, ?, ?) ON CONFLICT(subscriber) DO UPDATE SET "
            "sequence = excluded.sequence, updated = excluded.updated",
            (subscriber, sequence, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        )
