"""The trace of every automation run, kept in ``runs.sqlite`` in the vault's state folder.

Traces exist nowhere else (they cannot be rebuilt from the vault), so they live in a database
of their own that ``--rebuild`` leaves alone, written with full durability.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiosqlite
import msgspec

from vespera_protocol.messages import RunSummary, RunTrace

RUNS_FILE = "runs.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    outcome TEXT NOT NULL,
    started TEXT NOT NULL,
    trace BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_rule ON runs(rule);
CREATE INDEX IF NOT EXISTS runs_subject ON runs(subject);
"""
_MAX_PAGE = 1000
_decoder = msgspec.json.Decoder(RunTrace)


def summary_of(trace: RunTrace) -> RunSummary:
    """A run's line in a list."""
    return RunSummary(
        run=trace.run,
        rule=trace.rule,
        rule_name=trace.rule_name,
        event_type=trace.event.type,
        subject=trace.event.subject,
        outcome=trace.outcome,
        started=trace.started,
        duration_ms=trace.duration_ms,
        changes=len(trace.changes),
    )


class RunStore:
    """Run traces, newest last."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> RunStore:
        """Open (creating) the trace database at ``path``."""
        conn = await aiosqlite.connect(path)
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = FULL")
            await conn.executescript(_SCHEMA)
            await conn.commit()
        except BaseException:
            await conn.close()
            raise
        return cls(conn)

    async def close(self) -> None:
        """Close the database."""
        await self._conn.close()

    async def add(self, trace: RunTrace) -> None:
        """Keep a run's trace."""
        async with self._lock:
            await self._conn.execute(
                "INSERT OR REPLACE INTO runs(id, rule, subject, outcome, started, trace) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    trace.run,
                    trace.rule,
                    trace.event.subject,
                    trace.outcome,
                    trace.started,
                    msgspec.json.encode(trace),
                ),
            )
            await self._conn.commit()

    async def mark_undone(self, run: str, undo: str) -> None:
        """Record that ``undo`` put back run ``run``'s writes."""
        trace = await self.get(run)
        if trace is None:
            return
        trace.undone_by = undo
        async with self._lock:
            # An update in place: the run keeps its place among the others.
            await self._conn.execute(
                "UPDATE runs SET trace = ? WHERE id = ?", (msgspec.json.encode(trace), run)
            )
            await self._conn.commit()

    async def get(self, run: str) -> RunTrace | None:
        """One run's trace, or ``None``."""
        async with self._lock:
            rows = list(
                await self._conn.execute_fetchall("SELECT trace FROM runs WHERE id = ?", (run,))
            )
        return _decoder.decode(rows[0][0]) if rows else None

    async def list(
        self,
        rule: str | None = None,
        subject: str | None = None,
        outcome: str | None = None,
        before: str | None = None,
        limit: int = 50,
    ) -> tuple[list[RunTrace], str | None]:
        """Runs newest first, and the id to pass as ``before`` for the next page."""
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("rule", rule), ("subject", subject), ("outcome", outcome)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if before is not None:
            where.append("position < (SELECT position FROM runs WHERE id = ?)")
            params.append(before)
        limit = max(1, min(limit, _MAX_PAGE))
        sql = "SELECT trace FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY position DESC LIMIT ?"
        params.append(limit + 1)
        async with self._lock:
            rows = list(await self._conn.execute_fetchall(sql, params))
        traces = [_decoder.decode(r[0]) for r in rows[:limit]]
        more = len(rows) > limit
        return traces, (traces[-1].run if more and traces else None)
