"""The trace of every automation run, kept in ``runs.sqlite`` in the vault's state folder.

Traces exist nowhere else (they cannot be rebuilt from the vault), so they live in a database
of their own that ``--rebuild`` leaves alone, written with full durability.
"""

from __future__ import annotations

import asyncio
import builtins
import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite
import msgspec

from vespera.automation.rules import event_fits, short_event_name
from vespera_protocol.events import Event
from vespera_protocol.messages import ExplainEntry, RunSummary, RunTrace

if TYPE_CHECKING:
    from vespera.automation.loader import LoadedRule

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
CREATE TABLE IF NOT EXISTS near_misses (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    event TEXT NOT NULL,
    event_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    time TEXT NOT NULL,
    rule TEXT NOT NULL,
    stage TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS near_misses_event ON near_misses(event);
CREATE INDEX IF NOT EXISTS near_misses_rule ON near_misses(rule, subject);
"""
KEEP_NEAR_MISSES = 50_000
"""How many near misses are kept (the oldest go first): they explain recent events."""


@dataclass
class NearMiss:
    """A rule that listened for an event's type but did not run for it, and why."""

    event: Event
    rule: str
    stage: str
    """``trigger`` (a filter), ``own-change``, ``superseded``, or ``untrusted`` and
    ``switched-off`` (the engine is held: see
    :attr:`~vespera.automation.runner.AutomationEngine.held`)."""
    reason: str


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
            columns = {r[1] for r in await conn.execute_fetchall("PRAGMA table_info(runs)")}
            if "event" not in columns:  # traces kept before runs were found by event
                await conn.execute("ALTER TABLE runs ADD COLUMN event TEXT")
            await conn.execute("CREATE INDEX IF NOT EXISTS runs_event ON runs(event)")
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
                "INSERT OR REPLACE INTO runs(id, rule, subject, outcome, started, trace, event) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    trace.run,
                    trace.rule,
                    trace.event.subject,
                    trace.outcome,
                    trace.started,
                    msgspec.json.encode(trace),
                    trace.event.id,
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

    async def add_near_misses(self, misses: builtins.list[NearMiss]) -> None:
        """Keep why rules listening for events did not run (only the latest are kept)."""
        rows = [
            (m.event.id, m.event.type, m.event.subject, m.event.time, m.rule, m.stage, m.reason)
            for m in misses
        ]
        async with self._lock:
            cursor = await self._conn.executemany(
                "INSERT INTO near_misses(event, event_type, subject, time, rule, stage, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            last = cursor.lastrowid
            if last is not None and last % 1000 < len(rows):  # now and then, not each time
                await self._conn.execute(
                    "DELETE FROM near_misses WHERE position <= ?", (last - KEEP_NEAR_MISSES,)
                )
            await self._conn.commit()

    async def explain(
        self,
        event: str | None = None,
        rule: str | None = None,
        subject: str | None = None,
        limit: int = 20,
    ) -> builtins.list[ExplainEntry]:
        """What rules did with events, newest first: their runs and their near misses."""
        where: builtins.list[str] = []
        params: builtins.list[Any] = []
        for column, value in (("event", event), ("rule", rule), ("subject", subject)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        limit = max(1, min(limit, _MAX_PAGE))
        async with self._lock:
            try:
                misses = list(
                    await self._conn.execute_fetchall(
                        "SELECT event, event_type, subject, time, rule, stage, reason "
                        f"FROM near_misses{clause} ORDER BY position DESC LIMIT ?",
                        [*params, limit],
                    )
                )
            except sqlite3.OperationalError:  # traces kept before near misses were
                misses = []
            runs = list(
                await self._conn.execute_fetchall(
                    f"SELECT trace FROM runs{clause} ORDER BY position DESC LIMIT ?",
                    [*params, limit],
                )
            )
        entries = [
            ExplainEntry(
                event=r[0],
                event_type=r[1],
                subject=r[2],
                time=r[3],
                rule=r[4],
                stage=r[5],
                reason=r[6],
            )
            for r in misses
        ]
        entries += [_explained(_decoder.decode(r[0])) for r in runs]
        entries.sort(key=lambda e: e.time, reverse=True)
        return entries[:limit]

    async def today(self) -> tuple[dict[str, int], dict[str, int]]:
        """Runs since midnight UTC by outcome, and stopped runs by why."""
        midnight = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT00:00:00")
        async with self._lock:
            outcomes = await self._conn.execute_fetchall(
                "SELECT outcome, count(*) FROM runs WHERE started >= ? GROUP BY outcome",
                (midnight,),
            )
            stops = await self._conn.execute_fetchall(
                "SELECT json_extract(trace, '$.stop'), count(*) FROM runs "
                "WHERE started >= ? AND outcome = 'stopped' GROUP BY 1",
                (midnight,),
            )
        return (
            {str(o): int(n) for o, n in outcomes},
            {str(k or "loop"): int(n) for k, n in stops},
        )


def _explained(trace: RunTrace) -> ExplainEntry:
    """A run as an answer to "why (not)"."""
    event = trace.event
    stage, reason = "ran", f"it ran: {trace.outcome}"
    if trace.outcome == "skipped":
        failed = [c["condition"] for c in trace.conditions if c.get("value") is False]
        stage = "conditions"
        reason = "a condition did not hold: " + (", ".join(map(str, failed)) or "?")
    elif trace.outcome == "stopped":
        stage, reason = trace.stop or "loop", trace.error or "stopped"
    elif trace.error:
        reason += f" ({trace.error})"
    return ExplainEntry(
        event=event.id,
        event_type=event.type,
        subject=event.subject,
        time=trace.started,
        rule=trace.rule,
        stage=stage,
        reason=reason,
        run=trace.run,
    )


def quiet_entries(
    rules: Iterable[LoadedRule], event: Event, told: set[str], only: str | None = None
) -> list[ExplainEntry]:
    """An entry for each rule (``only`` that one) that left no record for ``event`` and is
    not in ``told``: it does not listen for the event's type, or is switched off."""
    out = []
    for loaded in rules:
        if loaded.id in told or only not in (None, loaded.id):
            continue
        stage, reason = quiet_reason(loaded, event.type)
        out.append(
            ExplainEntry(
                event=event.id,
                event_type=event.type,
                subject=event.subject,
                time=event.time,
                rule=loaded.id,
                stage=stage,
                reason=reason,
            )
        )
    return out


def quiet_reason(loaded: LoadedRule, event_type: str) -> tuple[str, str]:
    """Why a rule left no record for an event: it does not listen for its type, or is off."""
    if loaded.rule is None or not loaded.enabled:
        return "disabled", f"the rule does not run: {loaded.disabled_reason}"
    wanted = [t for trigger in loaded.rule.trigger for t in trigger.event]
    if any(event_fits(t, event_type) for t in wanted):
        return "not-recorded", "no record: the event came before the rule listened for it"
    shown = ", ".join(dict.fromkeys(short_event_name(t) for t in wanted))
    return "not-listening", f"it listens for {shown}, not {short_event_name(event_type)}"
