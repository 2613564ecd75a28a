"""A missing graph is rebuilt on open; doctor reports unfinished work rather than repairing it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from vespera.session import GRAPH_DIR, INDEX_FILE, VaultSession
from vespera.store.graph import reset_graph

from .stores import assert_healthy, graph_notes, run_cli


async def test_a_deleted_graph_is_rebuilt_when_the_vault_is_opened(
    vault: Path, state_dir: Path
) -> None:
    async with await VaultSession.open(vault, state_dir) as session:
        await session.index()
        indexed = graph_notes(session)
    reset_graph(state_dir / GRAPH_DIR)  # the graph's files are gone, the index is not

    async with await VaultSession.open(vault, state_dir) as session:
        assert graph_notes(session) == indexed
        await assert_healthy(session)


async def test_doctor_reports_pending_graph_work_and_index_completes_it(
    vault: Path, state_dir: Path
) -> None:
    async with await VaultSession.open(vault, state_dir) as session:
        await session.index()
    with sqlite3.connect(state_dir / INDEX_FILE) as db:  # as if Kuzu never got this note
        db.execute("INSERT INTO graph_pending(path) VALUES ('Characters/Alice.md')")

    before = run_cli("doctor", str(vault), "--state-dir", str(state_dir))
    assert before.returncode == 1
    assert "graph update still pending: Characters/Alice.md" in before.stdout

    assert run_cli("index", str(vault), "--state-dir", str(state_dir)).returncode == 0
    after = run_cli("doctor", str(vault), "--state-dir", str(state_dir))
    assert after.returncode == 0, after.stdout
