"""Automation benchmarks of part two: a chain, a runaway rule, a replay.

In-process, on a generated vault in a temporary folder with the real stores (SQLite, Kuzu):

- Chain: a scene with 20 characters is tagged; a five-step chain (find its characters; update
  each one's progression and create a review task per character side by side; log it in a
  timeline note; then notify) runs: 41 durable writes. The time of the run to its result (its
  trace's duration: what the editor waits for), and to the end of indexing the 41 notes it
  wrote (done after the result is out).
- Runaway: a rule that reacts to its own change (it emits an event that starts it again) is
  stopped by loop safety; the time from the start of its first run to its stop. Through the
  live path: the engine follows the event log as the sidecar's does.
- Replay: 10,000 recorded tag changes are replayed through one rule (a dry run per event it
  listens for); the time of the whole replay.

Medians of several rounds: the machine is small and noisy.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec

import vespera.index.indexer as indexer_module
from vespera.automation.preview import replay
from vespera.automation.runner import AutomationEngine
from vespera.events.ids import new_id
from vespera.session import VaultSession
from vespera_protocol.events import Event

CHARACTERS = 20
CHAIN = """
id: chain
name: Scene completion
trigger: {event: tag_changed, tags: "go*"}
note_rate_limit: {runs: 1000}
chain_steps:
  - step: 1
    name: Find the characters
    actions:
      - {type: query, linked_from: "${note.path}", linked_field: characters, store_as: cast}
  - step: 2
    name: Progression
    depends_on: [1]
    actions:
      - type: for_each
        items: "${context.cast}"
        as: c
        actions:
          - {type: append_field, note: "${c.path}", field: scenes, value: "${trigger.tag}"}
  - step: 3
    name: Review tasks
    depends_on: [1]
    actions:
      - type: for_each
        items: "${context.cast}"
        as: c
        actions:
          - {type: create_task, title: "Review ${c.name} ${trigger.tag}", folder: Tasks}
  - step: 4
    name: Timeline
    depends_on: [1]
    actions:
      - {type: append_text, note: Timeline.md, heading: Timeline, text: "- ${trigger.tag}"}
  - step: 5
    name: Tell
    depends_on: [2, 3, 4]
    actions:
      - {type: notify, message: "${context.cast | length} characters"}
"""
RUNAWAY = """
id: runaway
name: Feeds itself
trigger: [{event: tag_changed, tags: "loop*"}, {event: again}]
react_to_own_changes: true
actions:
  - {type: emit_event, event: again}
"""
REPLAYED = """
id: replayed
name: Mood notes
trigger: {event: tag_changed, codex_type: scene, tags: "mood:*"}
conditions: ["note.fields.order > 0"]
actions:
  - {type: notify, message: "${note.title} is ${trigger.new_value}"}
"""


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _vault(root: Path) -> None:
    _write(root, ".vespera/types/scene.yaml", "fields:\n  characters: {type: link, list: true}\n")
    _write(root, ".vespera/types/character.yaml", "fields:\n  scenes: {type: text, list: true}\n")
    _write(root, ".vespera/types/task.yaml", "fields:\n  status: text\n")
    cast = ", ".join(f'"[[Character {n}]]"' for n in range(CHARACTERS))
    _write(
        root,
        "Scenes/Scene.md",
        f"---\ntype: scene\ntitle: Scene\norder: 1\ntags: [mood:calm]\n"
        f"characters: [{cast}]\n---\n\nText.\n",
    )
    for n in range(CHARACTERS):
        _write(root, f"Characters/Character {n}.md", f"---\ntype: character\n---\n\n# C{n}\n")
    _write(root, "Timeline.md", "# Timeline\n")
    _write(root, ".vespera/rules/chain.yaml", CHAIN)
    _write(root, ".vespera/rules/runaway.yaml", RUNAWAY)
    _write(root, ".vespera/rules/replayed.yaml", REPLAYED)


async def _tag(session: VaultSession, old: str, new: str) -> Event:
    """Retag the scene; the tag_changed event it makes."""
    path = session.root / "Scenes/Scene.md"
    text = path.read_text(encoding="utf-8")
    head = await session.events.head()
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    await session.update(["Scenes/Scene.md"])
    page = await session.events.query(None, after=head, limit=100)
    return next(e for e in page.events if e.type == "tag_changed")


async def _chain(
    session: VaultSession, engine: AutomationEngine, rounds: int
) -> tuple[list[float], list[float]]:
    """(milliseconds to the run's result, and to the end of indexing what it wrote)."""
    times = []
    results = []
    tag = "tags: [mood:calm"
    for n in range(rounds):
        new = f"tags: [go{n}, mood:calm"
        event = await _tag(session, tag, new)
        tag = new
        started = time.perf_counter()
        traces = await engine.handle(event)
        elapsed = (time.perf_counter() - started) * 1000
        (trace,) = [t for t in traces if t.rule == "chain"]
        assert trace.outcome == "succeeded", trace.error
        assert len(trace.changes) == 2 * CHARACTERS + 1, len(trace.changes)
        times.append(elapsed)
        results.append(trace.duration_ms)
    return results, times


async def _runaway(session: VaultSession, engine: AutomationEngine, rounds: int) -> list[float]:
    assert engine.runs is not None
    times = []
    tag = "mood:calm"
    for n in range(rounds):
        new = f"loop{n}, mood:calm"
        event = await _tag(session, tag, new)  # the live subscription hands the event over
        tag = new
        # Traces are read back (the editor hears of a kind of stop once, not every time).
        deadline = time.monotonic() + 30
        while True:
            runs, _ = await engine.runs.list(rule="runaway", limit=20)
            cascade = [r for r in runs if r.event.correlationid == event.correlationid]
            if any(r.outcome == "stopped" for r in cascade):
                break
            if time.monotonic() > deadline:
                raise TimeoutError("the runaway rule was not stopped")
            await asyncio.sleep(0.001)
        cascade.sort(key=lambda r: r.started)
        first, last = cascade[0], cascade[-1]
        times.append(_ms(first.started, last.started, last.duration_ms))
    return times


def _ms(first: str, last: str, last_ms: float) -> float:
    """Milliseconds from the first run's start to the end of the stop."""
    import datetime as dt

    def parse(stamp: str) -> dt.datetime:
        return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))

    return (parse(last) - parse(first)).total_seconds() * 1000 + last_ms


async def _replay(session: VaultSession, engine: AutomationEngine, events: int) -> list[float]:
    template = await _tag(session, "mood:calm", "mood:tense")
    batch = []
    for n in range(events):
        fresh = new_id()
        batch.append(
            msgspec.structs.replace(
                template,
                id=fresh,
                correlationid=fresh,
                data={"changed": [{"key": "mood", "old": "tense", "new": f"m{n % 7}"}]},
            )
        )
    await session.events.append(batch)
    (loaded,) = [r for r in engine.rules() if r.id == "replayed"]
    times = []
    for _ in range(3):
        started = time.perf_counter()
        report = await replay(engine, loaded)
        times.append((time.perf_counter() - started) * 1000)
        assert report.fired >= events, report.fired
    return times


async def _measure(rounds: int, replay_events: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "vault"
        _vault(root)
        indexer_module._workers = lambda: 1  # a small vault: read in-process
        session = await VaultSession.open(root, Path(folder) / "state")
        try:
            await session.index()
            chained: list[tuple[list[float], list[float]]] = []

            async def chain_rounds(engine: AutomationEngine) -> list[float]:
                chained.append(await _chain(session, engine, rounds))
                return []

            await _with_engine(session, False, chain_rounds)
            to_result, indexed = chained[0]
            runaway = await _with_engine(session, True, lambda e: _runaway(session, e, rounds))
            replayed = await _with_engine(
                session, False, lambda e: _replay(session, e, replay_events)
            )
        finally:
            await session.close()
    return {
        "chain_5_steps_20_characters_to_result": _summary(to_result),
        "chain_5_steps_20_characters_indexed": _summary(indexed),
        "runaway_stopped_after_first_run": _summary(runaway),
        f"replay_{replay_events}_events": _summary(replayed),
    }


async def _with_engine(
    session: VaultSession,
    subscribe: bool,
    work: Callable[[AutomationEngine], Awaitable[list[float]]],
) -> list[float]:
    engine = AutomationEngine(session)
    await engine.start(subscribe=subscribe)
    try:
        return await work(engine)
    finally:
        await engine.close()


def _summary(values: list[float]) -> dict[str, Any]:
    return {
        "rounds": len(values),
        "median_ms": round(statistics.median(values), 1),
        "max_ms": round(max(values), 1),
    }


def chain_benchmarks(rounds: int = 10, replay_events: int = 10_000) -> dict[str, Any]:
    """The figures of the chain, runaway and replay benchmarks."""
    return asyncio.run(_measure(rounds, replay_events))
