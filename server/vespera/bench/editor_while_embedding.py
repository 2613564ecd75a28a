"""The editor while a vault is embedded for the first time: completions and diagnostics.

The real ``python -m vespera serve`` starts on a vault with nothing embedded yet
(``initializationOptions: {"semantic": true}``) and a note open. Once the index is ready and the
server reports ``semantic: "embedding"``, tag completions and edit-to-diagnostics round trips are
timed while the first embedding runs; once ``vespera/semantic/status`` says ``ready`` with
nothing pending, the same requests are timed again (idle). The embedded count the server
reported at the start and end of each timed part shows that embedding went on meanwhile.

Completions are asked at a typist's pace (one every ``_PACE`` seconds, as an editor asks while
the writer types), so that the samples spread over several seconds of embedding rather than
one burst.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import IO, Any

from vespera.bench.lsp_bench import (
    DIAGNOSTICS_DELAY_MS,
    PATIENCE,
    RpcError,
    ServerRun,
    peak_rss_mb,
    percentile,
)
from vespera_protocol.messages import SEMANTIC_STATUS, STATUS

RATIO_TARGET = 2.0  # ours: while embedding, p95 within twice the idle p95
_WARM_UP = 10  # completions answered before each phase is sampled (first-call costs)
_PACE = 0.05  # seconds between completions: about twenty keystrokes a second
_SETTLE = 1.0  # quiet time after "ready", for the open note's own index update to finish
_STATUS_POLL = 0.2


async def editor_while_embedding(
    vault: Path,
    note: str,
    env: dict[str, str],
    stderr: IO[bytes],
    completions: int,
    edits: int,
) -> dict[str, Any]:
    """Completion and diagnostics round trips while the first embedding runs, then idle.

    ``env`` must point the server to a data folder where this vault has no state yet.
    """
    run = await ServerRun.start(vault, env, stderr, options={"semantic": True})
    embedding = run.client.expect(
        lambda n: n.method == STATUS and n.params.get("semantic") in ("embedding", "unavailable")
    )
    try:
        await run.initialized()
        run.open_note(note)
        await asyncio.wait_for(run.ready, PATIENCE)
        await asyncio.sleep(_SETTLE)
        first = await asyncio.wait_for(embedding, PATIENCE)
        if first.params["semantic"] == "unavailable":
            raise RpcError(f"the server has no model: {first.params.get('message')}")
        edited = _Edits(run)
        await _completions(run, _WARM_UP, 0.0)
        busy = {
            "completion": await _watched(run, lambda: _completions(run, completions, _PACE)),
            "diagnostics": await _watched(run, lambda: edited.times(edits)),
        }
        started = time.perf_counter()
        status = await _nothing_pending(run)
        waited = time.perf_counter() - started
        await _completions(run, _WARM_UP, 0.0)
        idle = {
            "completion": await _watched(run, lambda: _completions(run, completions, _PACE)),
            "diagnostics": await _watched(run, lambda: edited.times(edits)),
        }
        rss = peak_rss_mb(run.client.process.pid)
    finally:
        exit_status = await run.shutdown()
    figures: dict[str, Any] = {"notes": status["notes"], "passages": status["passages"]}
    for kind in ("completion", "diagnostics"):
        during, after = busy[kind], idle[kind]
        figures[kind] = {
            "while_embedding": during,
            "idle": after,
            "p95_ratio": round(during["p95_ms"] / max(after["p95_ms"], 0.1), 2),
        }
    return {
        **figures,
        "diagnostics_delay_ms": DIAGNOSTICS_DELAY_MS,
        "then_to_nothing_pending_s": round(waited, 1),
        "exit_status": exit_status,
        "server_peak_rss_mb": rss["server_mb"],
    }


async def _completions(run: ServerRun, count: int, pace: float) -> list[float]:
    """Round trips of ``count`` tag completions, ``pace`` seconds apart."""
    times = []
    for _ in range(count):
        items, _, seconds = await run.complete_tag()
        if not items:
            raise RpcError("a tag completion came back empty")
        times.append(seconds)
        await asyncio.sleep(pace)
    return times


class _Edits:
    """Edits of the open note's bench line, each timed to its diagnostics (debounce taken off)."""

    def __init__(self, run: ServerRun) -> None:
        self.run = run
        self.number = 0
        self.previous = ""

    async def times(self, count: int) -> list[float]:
        """Seconds from each of ``count`` edits to its diagnostics, less the debounce."""
        out = []
        for _ in range(count):
            seconds = await self.run.edit_to_diagnostics(self.number, self.previous)
            out.append(seconds - DIAGNOSTICS_DELAY_MS / 1000)
            self.previous = f"See [[Nowhere {self.number}]]."
            self.number += 1
        return out


async def _watched(run: ServerRun, work: Callable[[], Awaitable[list[float]]]) -> dict[str, Any]:
    """The spread of ``work``'s round trips, with how embedding stood before and after it."""
    before = _embedding(run)
    started = time.perf_counter()
    times = await work()
    seconds = time.perf_counter() - started
    after = _embedding(run)
    return {
        **_spread(times),
        "seconds": round(seconds, 1),
        "semantic": [before["semantic"], after["semantic"]],
        "embedded": [before["embedded"], after["embedded"]],
        "of": after["pending"] or before["pending"],
    }


def _embedding(run: ServerRun) -> dict[str, Any]:
    """How embedding stood at the server's last status (sent every half second or so)."""
    params = run.client.statuses[-1].params
    return {
        "semantic": params.get("semantic", "off"),
        "embedded": params.get("embedded", 0),
        "pending": params.get("pending", 0),
    }


async def _nothing_pending(run: ServerRun) -> dict[str, Any]:
    """Poll the semantic status until the vectors are in step with the notes."""
    deadline = time.perf_counter() + PATIENCE
    while time.perf_counter() < deadline:
        status, _ = await run.client.request(SEMANTIC_STATUS, {})
        if status["state"] == "ready" and status["pending"] == 0:
            return dict(status)
        await asyncio.sleep(_STATUS_POLL)
    raise RpcError("the server did not finish embedding in time")


def _spread(seconds: Sequence[float]) -> dict[str, Any]:
    return {
        "samples": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 1),
        "p95_ms": round(percentile(seconds, 95) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }


def markdown_rows(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Rows for the semantic benchmark's target table."""
    rows = []
    for kind, name in (
        ("completion", "tag completion round trip"),
        ("diagnostics", "edit to diagnostics after the debounce"),
    ):
        part = figures[kind]
        during, after = part["while_embedding"], part["idle"]
        moved = during["embedded"]
        progressed = during["semantic"] == ["embedding", "embedding"] and moved[1] > moved[0]
        met = part["p95_ratio"] <= RATIO_TARGET and progressed
        rows.append(
            (
                f"{name} while the first embedding runs, p50 / p95 (idle p50 / p95)",
                f"p95 ≤ {RATIO_TARGET:g}× idle p95 (ours)",
                f"{during['p50_ms']:g} / {during['p95_ms']:g} ms "
                f"({after['p50_ms']:g} / {after['p95_ms']:g} ms), ×{part['p95_ratio']:.2f}; "
                f"embedded {moved[0]} → {moved[1]} of {during['of']}",
                "met" if met else "**not met**" if progressed else "**embedding did not run**",
            )
        )
    return rows
