"""``vespera rules trace``: the automation runs of a vault, and the whole trace of one.

The trace database (``runs.sqlite`` in the vault's state folder) is opened read-only and without
the vault's lock, so this works while an editor's sidecar owns the vault: the database is in
WAL mode, where readers and the writer go on together.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

import aiosqlite
import msgspec

from vespera.automation.traces import RUNS_FILE, RunStore, summary_of
from vespera.cli import render
from vespera.cli.trace_render import print_run_table, print_trace
from vespera.store.state import state_dir_for
from vespera_protocol.messages import RunsListResult

_BUSY_MS = 5000


class TraceStoreError(RuntimeError):
    """The trace database cannot be read."""


async def open_read_only(path: Path) -> RunStore:
    """The trace store at ``path``, opened read-only; raises :class:`TraceStoreError`."""
    try:
        conn = await aiosqlite.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise TraceStoreError(f"Cannot open the run traces {path}: {exc}.") from exc
    try:
        await conn.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
    except sqlite3.Error as exc:
        await conn.close()
        raise TraceStoreError(f"Cannot read the run traces {path}: {exc}.") from exc
    return RunStore(conn)


def _print_json(value: msgspec.Struct) -> None:
    """``value`` as indented JSON on stdout, named as the protocol names its fields."""
    render.out.out(msgspec.json.format(msgspec.json.encode(value), indent=2).decode())


def subject_of(vault: Path, note: str | None) -> str | None:
    """A note named on the command line as the vault-relative path traces use."""
    if note is None:
        return None
    path = Path(note)
    if path.is_absolute() or path.exists():
        try:
            return path.resolve().relative_to(vault.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


async def trace(args: argparse.Namespace) -> int:
    """Run ``vespera rules trace``: a list of runs, or one run's trace."""
    if not args.vault.is_dir():
        render.error(f"{args.vault} is not a folder; pass the folder of a vault.")
        return 2
    path = state_dir_for(args.vault, args.state_dir) / RUNS_FILE
    if not path.is_file():
        if args.run is not None:
            render.error(f"There is no run {args.run}: no rule of this vault has run yet.")
            return 1
        if args.json:
            _print_json(RunsListResult(runs=[]))
        render.note(f"No rule of this vault has run yet (no traces at {path}).")
        return 0
    try:
        store = await open_read_only(path)
    except TraceStoreError as exc:
        render.error(str(exc))
        return 2
    try:
        if args.run is not None:
            return await _one(store, args.run, args.json)
        return await _list(store, args)
    except (sqlite3.Error, msgspec.DecodeError) as exc:
        render.error(f"Cannot read the run traces {path}: {exc}.")
        return 2
    finally:
        await store.close()


async def _one(store: RunStore, run: str, as_json: bool) -> int:
    found = await store.get(run)
    if found is None:
        render.error(f"There is no run {run} (see 'vespera rules trace VAULT' for the runs).")
        return 1
    if as_json:
        _print_json(found)
    else:
        print_trace(found)
    return 0


async def _list(store: RunStore, args: argparse.Namespace) -> int:
    runs, more = await store.list(
        rule=args.rule,
        subject=subject_of(args.vault, args.note),
        outcome=args.outcome,
        before=args.before,
        limit=args.limit,
    )
    if args.json:
        page = RunsListResult(runs=[summary_of(t) for t in runs], next=more)
        _print_json(page)
        return 0
    if not runs:
        filtered = any(v is not None for v in (args.rule, args.note, args.outcome, args.before))
        render.note("No runs match these filters." if filtered else "No rule has run yet.")
        return 0
    print_run_table(runs)
    if more is not None:
        render.note(f"More runs: continue with --before {more}")
    return 0
