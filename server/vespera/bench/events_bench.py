"""Event benchmarks: detection and append throughput, edit-to-committed latency, log queries.

- Throughput: every note of a generated vault gets a new mood tag, a changed field and a new
  link on disk, then one ``update`` of all of them. Reported twice: end to end (reading,
  parsing and indexing included), and for detection and append alone (the time spent making
  the events and committing them to the outbox and the log).
- Latency: one note edited on disk, from ``update`` to its events committed in the log; and an
  editor's text, from ``settle`` (the end of the debounce) to its events committed.
- Queries: a log of N events over 100 notes, queried by one note's path (a page of up to 100).

Runs in a child process, medians of several runs: the machine is small and noisy.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def run_benchmarks(notes: int, log_sizes: list[int], repeat: int) -> dict[str, Any]:
    """Measure in a child process; returns the figures."""
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "vespera.bench.events_bench",
            str(notes),
            ",".join(map(str, log_sizes)),
            str(repeat),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(child.stdout)
    return result


class _Timer:
    """Adds up the time spent in wrapped coroutine functions."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, fn: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
        async def timed(*args: Any, **kwargs: Any) -> T:
            started = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed


def _edit(path: Path, run: int) -> None:
    text = path.read_text(encoding="utf-8")
    marker = f"\nBench {run}: #mood:bench{run} [[Bench target {run}]]\n"
    if text.startswith("---\n"):
        text = text.replace("---\n", f"---\nbench_round: {run}\n", 1)
    path.write_text(text.split("\nBench ")[0] + marker, encoding="utf-8")


async def _throughput(vault: Path, scratch: Path, repeat: int) -> dict[str, Any]:
    from vespera.events.recorder import EventRecorder
    from vespera.session import VaultSession

    timer = _Timer()
    EventRecorder.record = timer.wrap(EventRecorder.record)  # type: ignore[method-assign,assignment]
    rates, pure = [], []
    async with await VaultSession.open(vault, scratch / "throughput") as session:
        await session.index()
        commit = session.indexer.on_events
        assert commit is not None
        session.indexer.on_events = timer.wrap(commit)
        paths = sorted((await session.db.file_states()).keys())
        for run in range(repeat):
            for path in paths:
                _edit(vault / path, run)
            timer.seconds = 0.0
            before = await session.events.head()
            started = time.perf_counter()
            await session.update(paths)
            elapsed = time.perf_counter() - started
            events = await session.events.head() - before
            rates.append(events / elapsed)
            pure.append(events / timer.seconds)
    return {
        "notes changed": len(paths),
        "events per pass": events,
        "end to end events/s": round(statistics.median(rates)),
        "detection + append events/s": round(statistics.median(pure)),
    }


async def _latency(vault: Path, scratch: Path, repeat: int) -> dict[str, Any]:
    from vespera.session import VaultSession

    disk, buffer = [], []
    async with await VaultSession.open(vault, scratch / "latency") as session:
        await session.index()
        target = sorted((await session.db.file_states()).keys())[3]
        path = vault / target
        commit = session.indexer.on_events
        assert commit is not None
        committed = [0.0]

        async def noted() -> int:
            assert commit is not None
            count = await commit()
            committed[0] = time.perf_counter()
            return count

        # The time until the events are in the log; the graph is brought up to date after.
        session.indexer.on_events = noted
        for run in range(repeat * 5):
            _edit(path, 1000 + run)
            started = time.perf_counter()
            report = await session.update([target])
            disk.append(committed[0] - started)
            assert report.events > 0
        text = path.read_text(encoding="utf-8")
        for run in range(repeat * 5):
            await session.indexer.update_text(target, text + f"\n#typed{run}\n")
            started = time.perf_counter()
            report = await session.settle([target])
            buffer.append(committed[0] - started)
            assert report.events > 0
    return {
        "disk edit to committed event ms": round(statistics.median(disk) * 1000, 1),
        "settled buffer to committed event ms": round(statistics.median(buffer) * 1000, 1),
    }


async def _queries(scratch: Path, sizes: list[int], repeat: int) -> dict[str, Any]:
    from vespera.events.detect import EventMaker, Origin
    from vespera.events.log import EventLog
    from vespera_protocol.events import KeyChange, TagChanged
    from vespera_protocol.messages import EventFilter

    maker = EventMaker("file:///bench")
    data = TagChanged(changed=[KeyChange(key="mood", old="calm", new="grim")])
    out: dict[str, Any] = {}
    for size in sizes:
        log = await EventLog.open(scratch / f"events-{size}.sqlite")
        try:
            batch = []
            for n in range(size):
                batch += maker.events(
                    f"Scenes/Scene {n % 100}.md", [("tag_changed", data)], Origin()
                )
                if len(batch) >= 5000:
                    await log.append(batch)
                    batch = []
            await log.append(batch)
            times = []
            for run in range(repeat * 10):
                subject = f"Scenes/Scene {run % 100}.md"
                started = time.perf_counter()
                page = await log.query(EventFilter(subject=subject), limit=100)
                times.append(time.perf_counter() - started)
                assert len(page.events) == min(100, size // 100)
            out[f"query by subject, {size:,} events, ms"] = round(
                statistics.median(times) * 1000, 2
            )
        finally:
            await log.close()
    return out


async def _measure(notes: int, log_sizes: list[int], repeat: int) -> dict[str, Any]:
    from vespera.gen.vault_generator import generate_vault

    with tempfile.TemporaryDirectory(prefix="vespera-events-bench-") as tmp:
        scratch = Path(tmp)
        vault = scratch / "vault"
        generate_vault(vault, notes, seed=42)
        result = {"vault notes": notes}
        result |= await _throughput(vault, scratch, repeat)
        result |= await _latency(vault, scratch, repeat)
        result |= await _queries(scratch, log_sizes, repeat)
        return result


def _child(argv: list[str]) -> None:
    from vespera.memory import limit_malloc_arenas

    limit_malloc_arenas()
    notes, sizes, repeat = int(argv[0]), [int(s) for s in argv[1].split(",")], int(argv[2])
    print(json.dumps(asyncio.run(_measure(notes, sizes, repeat))))


if __name__ == "__main__":
    _child(sys.argv[1:])
