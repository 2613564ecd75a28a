"""One process owns a vault's state folder; others are told who holds it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from vespera.session import VaultError, VaultSession
from vespera.store.state import StateLockedError

from .stores import graph_tags, run_cli, write_note

SALTMARKET = "Locations/Saltmarket.md"


async def test_a_second_open_names_the_holder_and_the_first_session_keeps_working(
    session: VaultSession, vault: Path, state_dir: Path
) -> None:
    with pytest.raises(StateLockedError, match=rf"process {os.getpid()}\b"):
        await VaultSession.open(vault, state_dir)

    write_note(vault, SALTMARKET, "# Saltmarket\n\n#still-working\n")
    report = await session.index()
    assert report.parsed == 1
    assert graph_tags(session, SALTMARKET) == {"still-working"}


async def test_the_cli_exits_3_with_the_holder_on_stderr(
    session: VaultSession, vault: Path, state_dir: Path
) -> None:
    done = run_cli("stats", str(vault), "--state-dir", str(state_dir))

    assert done.returncode == 3
    assert done.stdout == ""
    message = " ".join(done.stderr.split())  # rich wraps long lines
    assert f"in use by process {os.getpid()} " in message
    assert (await session.index()).files == 23


async def test_the_lock_is_released_on_close(vault: Path, state_dir: Path) -> None:
    first = await VaultSession.open(vault, state_dir)
    await first.close()

    async with await VaultSession.open(vault, state_dir) as second:
        assert (await second.index()).parsed == 23
    done = run_cli("stats", str(vault), "--state-dir", str(state_dir), "--json")
    assert done.returncode == 0, done.stderr


async def test_a_state_folder_of_another_vault_is_refused(
    session: VaultSession, vault: Path, state_dir: Path, tmp_path: Path
) -> None:
    await session.close()
    other = Path(shutil.copytree(vault, tmp_path / "other"))

    with pytest.raises(VaultError, match="holds the index of"):
        await VaultSession.open(other, state_dir)
    done = run_cli("stats", str(other), "--state-dir", str(state_dir))
    assert done.returncode == 2
    assert "choose another --state-dir" in " ".join(done.stderr.split())
    # The refused open released the lock again.
    async with await VaultSession.open(vault, state_dir) as reopened:
        assert (await reopened.index()).unchanged == 23
