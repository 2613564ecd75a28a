"""A parse worker that dies mid-scan does not stop the index: the rest is read in-process."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psutil
import pytest

from vespera.gen.vault_generator import generate_vault
from vespera.index.doctor import diagnose
from vespera.index.reader import WORKER_NICENESS
from vespera.session import VaultSession


def _square(n: int) -> int:
    return n * n


async def test_scan_completes_when_its_parse_workers_are_killed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    vault = tmp_path / "vault"
    generated = generate_vault(vault, 600, seed=3)
    async with await VaultSession.open(vault, tmp_path / "state") as session:
        pool = session.indexer._worker_pool()
        assert pool.submit(_square, 7).result(timeout=60) == 49  # the workers are running
        for pid in list(pool._processes):
            os.kill(pid, signal.SIGKILL)

        report = await session.index()

        assert report.parsed == generated.notes
        assert (await session.db.stats()).notes == generated.notes
        assert (await diagnose(session)).healthy
        assert "parse worker stopped" in caplog.text
        assert session.indexer._pool is None  # the broken pool was dropped


def _workers() -> list[int]:
    return [
        child.pid
        for child in psutil.Process().children()
        if "multiprocessing.spawn" in " ".join(child.cmdline())
    ]


async def test_a_first_scan_of_a_small_vault_keeps_no_workers(tmp_path: Path) -> None:
    # A vault too small to need worker processes must not start any, nor leave two idle
    # ones behind for the sidecar's whole life. (Workers of other tests sharing this process
    # are not this test's business.)
    vault = tmp_path / "vault"
    generate_vault(vault, 50, seed=3)
    others = set(_workers())
    async with await VaultSession.open(vault, tmp_path / "state") as session:
        report = await session.index()
        assert report.parsed == 50
        # Processes told to stop may take a moment to be gone; none may stay.
        ours = [psutil.Process(pid) for pid in set(_workers()) - others]
        _, alive = psutil.wait_procs(ours, timeout=10)
        assert alive == [] and set(_workers()) <= others


async def test_parse_workers_run_at_the_lowest_priority(tmp_path: Path) -> None:
    # The editor's requests must win a core from background parsing whenever they need one.
    vault = tmp_path / "vault"
    vault.mkdir()
    async with await VaultSession.open(vault, tmp_path / "state") as session:
        pool = session.indexer._worker_pool()
        pid = pool.submit(os.getpid).result(timeout=60)
        assert psutil.Process(pid).nice() == WORKER_NICENESS
