"""Automation benchmarks: rule matching throughput, and an edit's way to its result.

- Matching: 1,000 rules of varied triggers (tag patterns, codex types, status and field values,
  actors, globs), and 20,000 events of the kinds the vault makes; how many events per second
  find their matching rules (the index by event type, then every filter). In-process: this is
  the engine's own cost, with the notes' facts already at hand.
- Edit to result: the real server on a copy of the example vault, a client that takes
  ``vespera/automationResult``; a scene's mood tag is changed in the open editor and saved (a
  save makes the events at once, with no debounce), and the time to the rule's result is taken.
  Two one-action rules: one that only sends a message, one that sets a field of a closed note
  (an atomic write; the note is re-indexed after the result is sent). Edits are 0.2 s apart.

- Chains, loops and replay (:mod:`vespera.bench.chain_bench`): a five-step chain over 20
  characters, a runaway rule until loop safety stops it, a replay of 10,000 recorded events.

Medians and percentiles of many samples: the machine is small and noisy.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vespera.automation.loader import parse_rule_file
from vespera.automation.matcher import NoteFacts, RuleIndex
from vespera.automation.templates import Renderer
from vespera.bench.lsp_bench import CLIENT_CAPABILITIES, PATIENCE, ServerRun, percentile
from vespera.store.state import DATA_DIR_ENV
from vespera_protocol.events import Event
from vespera_protocol.messages import AUTOMATION_RESULT

# A vault with many rules has many kinds of notes and tag namespaces: 1,000 rules over 8 types
# and 8 keys would have each event match a dozen rules, which is no vault's shape.
_TYPES = [f"type{n}" for n in range(30)] + ["scene", "character", "music", "task"]
_KEYS = [f"key{n}" for n in range(50)] + ["mood", "status", "emotion", "role"]
_VALUES = [f"value{n}" for n in range(20)] + ["peaceful", "tense", "final", "draft"]
_EVENTS = ["tag_changed", "status_changed", "field_changed", "task_completed", "note.created"]
EXAMPLE_VAULT = Path(__file__).resolve().parents[3] / "docs" / "example-vault"


def _rule(n: int, rng: random.Random) -> dict[str, Any]:
    event = rng.choice(_EVENTS)
    trigger: dict[str, Any] = {"event": event}
    if rng.random() < 0.8:
        trigger["codex_type"] = rng.choice(_TYPES)
    if event == "tag_changed" or rng.random() < 0.3:
        key = rng.choice(_KEYS)
        trigger["tags"] = (
            f"{key}:*" if rng.random() < 0.5 else f"{key}:{rng.choice(_VALUES)}|#{key}:unset"
        )
    if event in ("status_changed", "field_changed") and rng.random() < 0.6:
        trigger["to"] = rng.choice(_VALUES)
        if event == "field_changed":
            trigger["field"] = rng.choice(_KEYS)
    if rng.random() < 0.3:
        trigger["ignore_actors"] = ["catch-up", "automation:*"]
    if rng.random() < 0.1:
        trigger["paths"] = [f"{rng.choice(_TYPES).title()}s/**"]
    return {
        "name": f"rule {n}",
        "id": f"r{n}",
        "trigger": trigger,
        "actions": [{"type": "notify", "message": "${note.title}"}],
    }


def _event(n: int, rng: random.Random) -> tuple[Event, NoteFacts]:
    kind = rng.choices(_EVENTS, weights=[5, 2, 2, 1, 1])[0]
    key, old, new = rng.choice(_KEYS), rng.choice(_VALUES), rng.choice(_VALUES)
    data: dict[str, Any] = {}
    if kind == "tag_changed":
        data = {"changed": [{"key": key, "old": old, "new": new}]}
    elif kind == "status_changed":
        data = {"old": old, "new": new}
    elif kind == "field_changed":
        data = {"field": key, "old": old, "new": new}
    elif kind == "task_completed":
        data = {"text": "done"}
    else:
        data = {"title": f"Note {n}"}
    note_type = rng.choice(_TYPES)
    event = Event(
        specversion="1.0",
        id=f"e{n}",
        type=kind,
        source="file:///bench",
        subject=f"{note_type.title()}s/Note {n}.md",
        time="2026-01-01T00:00:00.000Z",
        actor=rng.choice(["user", "user", "external", "automation:r1"]),
        correlationid=f"e{n}",
        data=data,
    )
    tags = [f"{rng.choice(_KEYS)}:{rng.choice(_VALUES)}" for _ in range(3)]
    return event, NoteFacts(note_type, tags)


def matching(rules: int, events: int, repeat: int) -> dict[str, Any]:
    """Events per second through :class:`RuleIndex` with ``rules`` rules loaded."""
    rng = random.Random(42)
    text = json.dumps([_rule(n, rng) for n in range(rules)])
    loaded = parse_rule_file(".vespera/rules/bench.yaml", text, Renderer())
    assert all(r.runnable for r in loaded.rules), [r.problems for r in loaded.rules][:3]
    index = RuleIndex(loaded.rules)
    sample = [_event(n, rng) for n in range(events)]
    rates = []
    matched = 0
    for _ in range(repeat):
        started = time.perf_counter()
        matched = 0
        for event, facts in sample:
            matched += len(index.match(event, lambda f=facts: f))  # type: ignore[misc]
        rates.append(events / (time.perf_counter() - started))
    return {
        "rules": rules,
        "events": events,
        "matches": matched,
        "events_per_s": round(statistics.median(rates)),
        "runs": [round(r) for r in rates],
    }


_NOTIFY_RULE = """
name: Bench notify
trigger: {event: tag_changed, codex_type: scene, tags: "mood:*"}
note_rate_limit: {runs: 10000}  # one note edited many times a minute: the bench, not a writer
actions:
  - type: notify
    message: "${note.title} is ${trigger.new_value}"
"""
_WRITE_RULE = """
name: Bench write
trigger: {event: tag_changed, codex_type: scene, tags: "mood:*"}
note_rate_limit: {runs: 10000}
actions:
  - type: set_field
    note: Music/Fog Bells.md
    field: last_mood
    value: "${trigger.new_value}"
"""
SCENE = "Scenes/Letters in the Cellar.md"
_BETWEEN_EDITS = 0.2


async def _edit_to_result(rule: str, samples: int, data: Path) -> list[float]:
    vault = data / "vault"
    shutil.rmtree(vault, ignore_errors=True)
    shutil.copytree(EXAMPLE_VAULT, vault)
    for old in (vault / ".vespera" / "rules").glob("*.yaml"):
        old.unlink()
    (vault / ".vespera" / "rules" / "bench.yaml").write_text(rule, encoding="utf-8")
    env = {**os.environ, DATA_DIR_ENV: str(data / "state")}
    with (data / "server.log").open("wb") as stderr:
        caps_wanted = {
            **CLIENT_CAPABILITIES,
            "experimental": {"vespera": {"status": True, "automationResult": True}},
        }
        run = await ServerRun.start(vault, env, stderr, caps_wanted)
        caps = run.client
        try:
            await run.initialized()
            await asyncio.wait_for(run.ready, PATIENCE)
            uri = (vault / SCENE).as_uri()
            text = (vault / SCENE).read_text(encoding="utf-8")
            document = {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
            caps.notify("textDocument/didOpen", {"textDocument": document})
            moods = ["tense", "melancholy"]
            out: list[float] = []
            current = "melancholy"
            for n in range(samples + 3):
                mood = moods[n % 2]
                text = text.replace(f"mood:{current}", f"mood:{mood}", 1)
                current = mood
                result = caps.expect(
                    lambda note, mood=mood: (  # type: ignore[misc]
                        note.method == AUTOMATION_RESULT
                        and note.params["event"]["data"]["changed"][0]["new"] == mood
                    )
                )
                caps.notify(
                    "textDocument/didChange",
                    {
                        "textDocument": {"uri": uri, "version": n + 2},
                        "contentChanges": [{"text": text}],
                    },
                )
                sent = caps.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
                note = await asyncio.wait_for(result, PATIENCE)
                if note.params["outcome"] != "succeeded":
                    raise RuntimeError(f"the bench rule did not succeed: {note.params}")
                if n >= 3:  # the first runs warm the caches up
                    out.append((note.at - sent) * 1000)
                # The next edit starts on a quiet server, as a writer's next save would: the
                # run's own after-work (indexing the note it wrote) is not counted twice.
                await asyncio.sleep(_BETWEEN_EDITS)
            return out
        finally:
            await run.shutdown()


def edit_to_result(samples: int) -> dict[str, Any]:
    """Milliseconds from a saved edit to its automation result, for two one-action rules."""
    with tempfile.TemporaryDirectory() as folder:
        figures = {}
        for name, rule in (("notify", _NOTIFY_RULE), ("write_closed_note", _WRITE_RULE)):
            values = asyncio.run(_edit_to_result(rule, samples, Path(folder)))
            figures[name] = {
                "samples": len(values),
                "p50_ms": round(statistics.median(values), 1),
                "p90_ms": round(percentile(values, 90), 1),
            }
        return figures


def run_benchmarks(rules: int, events: int, samples: int) -> dict[str, Any]:
    """Measure in a child process (the server it starts is a grandchild); returns the figures."""
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "vespera.bench.automation_bench",
            str(rules),
            str(events),
            str(samples),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(child.stdout)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m vespera.bench.automation_bench [rules] [events] [samples]``."""
    args = list(argv if argv is not None else sys.argv[1:])
    rules = int(args[0]) if args else 1000
    events = int(args[1]) if len(args) > 1 else 20_000
    samples = int(args[2]) if len(args) > 2 else 50
    from vespera.bench.chain_bench import chain_benchmarks

    figures = {
        "matching": matching(rules, events, 5),
        "edit_to_result": edit_to_result(samples),
        "chains_loops_replay": chain_benchmarks(),
    }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
