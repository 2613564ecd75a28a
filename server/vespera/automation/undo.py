"""Undoing a past run: every note it wrote put back as it was, unless the writer changed it since.

A run's trace keeps each note's text before and after the run. Undoing goes through them in
reverse: a note still as the run left it gets its old text back (a note the run created is
deleted); a note changed since (by the writer, or another run) is left alone and reported as a
conflict, and the others are still put back. Events the run emitted stay in the log, which is
append-only; the undo's own changes become events like any other, with the rule as actor.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vespera.automation.planning import NoteWrite
from vespera.automation.writes import WriteConflictError, WriteRefusedError, inside
from vespera.events.detect import Origin
from vespera.events.ids import new_id
from vespera_protocol.events import automation

if TYPE_CHECKING:
    from vespera.automation.runner import AutomationEngine


class UndoError(ValueError):
    """The run cannot be undone at all (unknown, or undone already)."""


@dataclass
class UndoReport:
    """What undoing a run did."""

    undo: str
    """The id of the undo itself (the cause of its changes' events)."""
    run: str
    restored: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    """(path, why) for each note left as it is."""


async def undo_run(engine: AutomationEngine, run_id: str) -> UndoReport:
    """Put back what run ``run_id`` wrote, as far as nobody changed it since."""
    if engine.runs is None:
        raise UndoError("the automation of this vault is not running")
    trace = await engine.runs.get(run_id)
    if trace is None:
        raise UndoError(f"there is no run {run_id!r}")
    if trace.undone_by is not None:
        raise UndoError(f"run {run_id} was undone already (by {trace.undone_by})")
    report = UndoReport(new_id(), run_id)
    origin = Origin(automation(trace.rule), report.undo, trace.event.correlationid)
    writes = [(w["path"], w["before"], w["after"]) for w in trace.writes]
    written = await put_back(engine, writes, origin, report)
    await engine.runs.mark_undone(run_id, report.undo)
    if written:
        await engine.session.update(written, actor=origin.actor)
    return report


async def put_back(
    engine: AutomationEngine,
    writes: list[tuple[str, str | None, str]],
    origin: Origin,
    report: UndoReport,
) -> list[str]:
    """Undo ``writes`` (path, text before or ``None`` if created, text after), last first.

    A note no longer as the write left it is not touched: it goes to ``report.conflicts``.
    Returns the notes written to disk (the caller has them indexed).
    """
    written: list[str] = []
    for path, before, after in reversed(writes):
        current = await asyncio.to_thread(engine.read_note, path)
        if current is None:
            report.conflicts.append((path, "it was deleted or moved since the run"))
            continue
        if current.text != after:
            report.conflicts.append((path, "it was changed since the run; it is left as it is"))
            continue
        try:
            if before is None:
                await _delete(engine, path, origin)
                report.deleted.append(path)
                written.append(path)
            else:
                write = NoteWrite(path, current, before, ["undo"])
                if await engine.write_note(write, origin, hooks=False):
                    written.append(path)
                report.restored.append(path)
        except (WriteConflictError, WriteRefusedError, OSError) as exc:
            report.conflicts.append((path, str(exc)))
    return written


async def _delete(engine: AutomationEngine, path: str, origin: Origin) -> None:
    """Delete a note the run created (never one open in the editor: the writer may be in it)."""
    if engine.open_notes is not None and engine.open_notes.read_open(path) is not None:
        raise WriteConflictError(f"{path} is open in the editor; close it to undo its creation")
    target = inside(engine.root, path)
    engine.session.expect_write(path, None, origin)
    await asyncio.to_thread(_unlink, target)


def _unlink(target: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
