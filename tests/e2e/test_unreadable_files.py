"""Files and folders the indexer may not read: problems are recorded and indexed data is kept.

Root reads files whatever their mode, so when the tests run as root the indexer runs as a child
process without the capabilities that let root ignore permissions (``setpriv``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vespera.session import VaultSession

from .stores import assert_healthy, graph_links, graph_tags, run_cli, write_note

ONE, TWO = "Good/One.md", "Good/Two.md"
_PERMISSION_CAPS = "-dac_override,-dac_read_search"


@pytest.fixture
def without_root_reads() -> tuple[str, ...]:
    """The command prefix that makes file permissions apply to the indexer."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, which reads unreadable files, and setpriv is missing")
    return (setpriv, f"--inh-caps={_PERMISSION_CAPS}", f"--bounding-set={_PERMISSION_CAPS}")


@pytest.fixture
def small_vault(tmp_path: Path) -> Iterator[Path]:
    """Two notes that link to each other; permissions are restored afterwards."""
    root = tmp_path / "vault"
    write_note(root, ONE, "# One\n\nSee [[Two]]. #good\n")
    write_note(root, TWO, "# Two\n\nBack to [[One]].\n")
    yield root
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _index(vault: Path, state_dir: Path, prefix: tuple[str, ...]) -> dict[str, Any]:
    """Run ``vespera index --json`` with ``prefix`` and return its report."""
    done = run_cli("index", str(vault), "--state-dir", str(state_dir), "--json", prefix=prefix)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


async def _problems(session: VaultSession) -> set[tuple[str, str]]:
    return {(path, p.code) for path, p in await session.db.problems()}


async def test_an_unreadable_new_note_is_a_problem_and_the_rest_is_indexed(
    small_vault: Path, state_dir: Path, without_root_reads: tuple[str, ...]
) -> None:
    write_note(small_vault, "Locked.md", "# Locked\n").chmod(0)

    report = _index(small_vault, state_dir, without_root_reads)

    assert (report["parsed"], report["unreadable"]) == (2, 1)
    async with await VaultSession.open(small_vault, state_dir) as session:
        assert await _problems(session) == {("Locked.md", "unreadable-file")}
        assert set(await session.db.file_states()) == {ONE, TWO}
        assert (ONE, TWO) in graph_links(session)


async def test_an_indexed_note_that_becomes_unreadable_keeps_its_indexed_data(
    small_vault: Path, state_dir: Path, without_root_reads: tuple[str, ...]
) -> None:
    async with await VaultSession.open(small_vault, state_dir) as session:
        await session.index()
    # A sync tool rewrites the note with a mode nobody can read.
    write_note(small_vault, ONE, "# One, rewritten\n\n#rewritten\n").chmod(0)

    report = _index(small_vault, state_dir, without_root_reads)

    assert (report["parsed"], report["deleted"], report["unreadable"]) == (0, 0, 1)
    async with await VaultSession.open(small_vault, state_dir) as session:
        assert await _problems(session) == {(ONE, "unreadable-file")}
        assert set(await session.db.file_states()) == {ONE, TWO}
        assert graph_tags(session, ONE) == {"good"}
        assert (ONE, TWO) in graph_links(session)
        assert [t.norm for t in await session.db.tag_counts("good")] == ["good"]

        (small_vault / ONE).chmod(0o644)
        again = await session.index()

        assert again.parsed == 1
        assert await _problems(session) == set()
        assert graph_tags(session, ONE) == {"rewritten"}
        await assert_healthy(session)


async def test_notes_in_a_folder_that_becomes_unreadable_keep_their_indexed_data(
    small_vault: Path, state_dir: Path, without_root_reads: tuple[str, ...]
) -> None:
    async with await VaultSession.open(small_vault, state_dir) as session:
        await session.index()
    (small_vault / "Good").chmod(0)

    report = _index(small_vault, state_dir, without_root_reads)

    assert (report["files"], report["deleted"]) == (0, 0)
    async with await VaultSession.open(small_vault, state_dir) as session:
        assert await _problems(session) == {("Good", "unreadable-folder")}
        assert set(await session.db.file_states()) == {ONE, TWO}
        assert (ONE, TWO) in graph_links(session)

        (small_vault / "Good").chmod(0o755)
        again = await session.index()

        assert (again.parsed, again.deleted, again.unchanged) == (0, 0, 2)
        assert await _problems(session) == set()
        await assert_healthy(session)
