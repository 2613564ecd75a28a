"""``vespera index`` killed with SIGKILL part-way: the next run repairs both stores.

The indexer runs as a child process on a generated vault of 3000 notes (six batches of 500).
The test watches the index database read-only and kills the child at a chosen point: while
note batches are being committed, while SQLite's indexes are rebuilt after the bulk load, or
while the graph is being loaded from SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from vespera.gen import GeneratedVault, generate_vault
from vespera.session import INDEX_FILE, VaultSession
from vespera.store.graph import GRAPH_SCHEMA_VERSION
from vespera.store.index_db import IndexDatabase

from .stores import assert_healthy, cli_env, note_files, sql, vespera_cli

NOTES = 3000


@dataclass(frozen=True)
class IndexState:
    """What a reader of the index database sees at one moment."""

    notes: int
    graph_state: str | None
    pending: int
    indexes_deferred: bool


@pytest.fixture(scope="module")
def big_vault(tmp_path_factory: pytest.TempPathFactory) -> GeneratedVault:
    """A generated vault, shared read-only by the tests of this module."""
    return generate_vault(tmp_path_factory.mktemp("crash") / "vault", NOTES, seed=7)


def _read_state(state_dir: Path) -> IndexState | None:
    """The index's progress, or ``None`` before the database and its tables exist."""
    try:
        notes = sql(state_dir, "SELECT count(*) FROM notes")[0][0]
        meta = sql(state_dir, "SELECT value FROM meta WHERE key = 'graph_state'")
        pending = sql(state_dir, "SELECT count(*) FROM graph_pending")[0][0]
        deferred = sql(state_dir, "SELECT count(*) FROM meta WHERE key = 'deferred_indexes'")
    except sqlite3.Error:
        return None
    return IndexState(notes, meta[0][0] if meta else None, pending, deferred[0][0] > 0)


def _index_names(state_dir: Path) -> set[str]:
    """Names of the SQLite indexes in a state folder's index database."""
    return {r[0] for r in sql(state_dir, "SELECT name FROM sqlite_master WHERE type = 'index'")}


def _descendants(pid: int) -> list[int]:
    """PIDs of the processes below ``pid`` (its pool workers and their helpers), from /proc."""
    by_parent: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            by_parent.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        children = by_parent.get(todo.pop(), [])
        found += children
        todo += children
    return found


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass(frozen=True)
class Killed:
    """What a killed indexer left: the index's state and the processes it had started."""

    state: IndexState
    workers: list[int]
    survivors: list[int]


def _index_and_kill(
    vault: Path, state_dir: Path, ready: Callable[[IndexState], bool], grace: float = 0.0
) -> Killed:
    """Start ``vespera index`` and SIGKILL it as soon as the index reaches a ``ready`` state.

    Its worker processes get ``grace`` seconds to notice and exit; any still running after that
    are reported as survivors and then killed, so no test leaves processes behind.
    """
    child = subprocess.Popen(
        vespera_cli("index", str(vault), "--state-dir", str(state_dir)),
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if child.poll() is not None:
                pytest.fail(f"the indexer ended (exit {child.returncode}) before the kill point")
            state = _read_state(state_dir)
            if state is not None and ready(state):
                workers = _descendants(child.pid)
                child.send_signal(signal.SIGKILL)
                assert child.wait(timeout=30) == -signal.SIGKILL
                after = _read_state(state_dir)
                assert after is not None
                until = time.monotonic() + grace
                while any(map(_running, workers)) and time.monotonic() < until:
                    time.sleep(0.05)  # how often to look while the workers wind down
                survivors = [pid for pid in workers if _running(pid)]
                return Killed(after, workers, survivors)
            time.sleep(0.002)  # how often to look, not a wait for an event
        pytest.fail("the kill point was never reached")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _during_notes(state: IndexState) -> bool:
    return 0 < state.notes <= NOTES - 1000


def _while_restoring_indexes(state: IndexState) -> bool:
    return state.notes == NOTES and state.indexes_deferred


def _during_graph_load(state: IndexState) -> bool:
    # Every note and SQLite index is in place, and Kuzu has not confirmed the notes yet.
    return state.notes == state.pending == NOTES and not state.indexes_deferred


@pytest.mark.parametrize(
    "ready",
    [_during_notes, _while_restoring_indexes, _during_graph_load],
    ids=["during-notes", "while-restoring-indexes", "during-graph-load"],
)
async def test_index_killed_midway_is_completed_and_healthy_after_the_next_run(
    big_vault: GeneratedVault, tmp_path: Path, ready: Callable[[IndexState], bool]
) -> None:
    vault, state_dir = big_vault.root, tmp_path / "state"

    killed = (await asyncio.to_thread(_index_and_kill, vault, state_dir, ready)).state

    if ready is _during_notes:
        # Some batches committed, not all: the kill landed inside the notes phase.
        assert 0 < killed.notes < NOTES
    else:
        # Every note committed, but Kuzu never confirmed them.
        assert killed.notes == NOTES and killed.pending == NOTES
        assert killed.graph_state != f"ok:{GRAPH_SCHEMA_VERSION}"

    async with await VaultSession.open(vault, state_dir) as session:
        report = await session.index()

        assert report.parsed == NOTES - killed.notes
        stored = set(await session.db.file_states())
        assert stored == note_files(vault)
        assert len(stored) == big_vault.notes == NOTES
        assert await session.db.pending_graph_paths() == []
        await assert_healthy(session)
    # No SQLite index dropped for the bulk load stays missing.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    await (await IndexDatabase.open(fresh / INDEX_FILE)).close()
    assert _index_names(state_dir) == _index_names(fresh)
    final = _read_state(state_dir)
    assert final is not None and not final.indexes_deferred


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_a_killed_indexer_leaves_no_worker_processes_behind(
    big_vault: GeneratedVault, tmp_path: Path
) -> None:
    killed = _index_and_kill(big_vault.root, tmp_path / "state", _during_notes, grace=3.0)

    if not killed.workers:
        pytest.skip("the indexer read the vault without worker processes on this machine")
    assert killed.survivors == [], (
        f"{len(killed.survivors)} of the {len(killed.workers)} processes the killed indexer "
        "started are still running, orphaned"
    )
