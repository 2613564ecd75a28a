"""Indexing benchmarks on generated vaults: cold index, no-op re-index, one-note update, RSS.

Each vault size is measured in a fresh child process, so that its peak RSS is its own. Times
are medians of several runs because this machine is small and noisy.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_COLD_RUNS = 3
# The stores and the generator are imported inside the functions: parse workers are spawned
# processes that import this module again as their main module, and should not pay for them.


def run_benchmarks(sizes: list[int], repeat: int) -> list[dict[str, Any]]:
    """Generate a vault per size and measure it in a child process; one row per size."""
    from vespera.gen.vault_generator import generate_vault

    rows = []
    for notes in sizes:
        with tempfile.TemporaryDirectory(prefix="vespera-bench-") as tmp:
            vault = Path(tmp) / "vault"
            generate_vault(vault, notes, seed=42)
            child = subprocess.run(
                [sys.executable, "-m", "vespera.bench.index_bench", str(vault), tmp, str(repeat)],
                check=True,
                capture_output=True,
                text=True,
            )
            rows.append(json.loads(child.stdout))
    return rows


async def _measure(vault: Path, scratch: Path, repeat: int) -> dict[str, Any]:
    from vespera.session import VaultSession

    cold = []
    state = scratch
    for run in range(_COLD_RUNS):
        state = scratch / f"state-{run}"
        started = time.perf_counter()
        async with await VaultSession.open(vault, state) as session:
            report = await session.index()
        cold.append(time.perf_counter() - started)
    async with await VaultSession.open(vault, state) as session:
        noop = []
        for _ in range(repeat):
            started = time.perf_counter()
            report = await session.index()
            noop.append(time.perf_counter() - started)
            assert report.parsed == 0
        target = sorted((await session.db.file_states()).keys())[7]  # any note will do
        path = vault / target
        original = path.read_text(encoding="utf-8")
        update = []
        for run in range(repeat * 4):
            path.write_text(
                original + f"\nEdit {run} with #bench-tag-{run} and [[Nowhere {run}]]\n"
            )
            started = time.perf_counter()
            changed = await session.update([target])
            update.append(time.perf_counter() - started)
            assert changed.parsed == 1
    cold_median = statistics.median(cold)
    notes = report.files
    return {
        "notes": notes,
        "cold index s": round(cold_median, 2),
        "notes/s": round(notes / cold_median),
        "no-op re-index s": round(statistics.median(noop), 3),
        "one-note update ms": round(statistics.median(update) * 1000, 1),
        "peak RSS MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "worker peak RSS MB": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }


def _child(argv: list[str]) -> None:
    from vespera.memory import limit_malloc_arenas

    limit_malloc_arenas()  # as the vespera command does
    vault, scratch, repeat = Path(argv[0]), Path(argv[1]), int(argv[2])
    print(json.dumps(asyncio.run(_measure(vault, scratch, repeat))))


if __name__ == "__main__":
    _child(sys.argv[1:])
