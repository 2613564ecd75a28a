"""Seeing before doing: dry runs write nothing, replays agree with live runs, and every rule
that listened but did not run says why."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import msgspec

from vespera.automation.preview import dry_run, made_up_event, replay
from vespera.events.ids import new_id
from vespera_protocol.events import Event
from vespera_protocol.messages import ExplainEntry

from .test_chains import FIND, PROGRESS, TASKS, chain
from .vault import ALICE, ROAD, STORM, Vault, rule


def snapshot(root: Path) -> dict[str, str]:
    """Every file of the vault with the hash of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


async def test_a_dry_run_shows_diffs_and_writes_nothing(v: Vault) -> None:
    v.rules(
        rule(
            """
            - {type: set_field, field: music, value: "[[Drums]]"}
            - {type: create_task, title: "Check ${note.title}", folder: Tasks}
            - {type: emit_event, event: music_changed, data: {mood: tense}}
            - {type: notify, message: "music for ${note.title}"}
            """
        )
    )
    event = await v.tag_go()
    before = snapshot(v.root)
    head = await v.session.events.head()
    (loaded,) = [r for r in v.engine.rules() if r.id == "t"]

    preview = await dry_run(v.engine, loaded, event)

    assert preview.fires and preview.error is None
    changes = {c.path: c for c in preview.changes}
    assert set(changes) == {ROAD, "Tasks/Check The Road.md"}
    assert '-music: "[[Forest]]"\n+music: "[[Drums]]"\n' in changes[ROAD].diff
    assert changes["Tasks/Check The Road.md"].kind == "created"
    assert changes["Tasks/Check The Road.md"].diff.startswith("--- /dev/null\n")
    assert preview.messages == ["music for The Road"]
    assert preview.events == [
        {"type": "custom.vault.music_changed", "subject": ROAD, "data": {"mood": "tense"}}
    ]
    # Nothing written, nothing emitted, no run recorded.
    assert snapshot(v.root) == before
    assert await v.session.events.head() == head
    assert v.engine.runs is not None and (await v.engine.runs.list())[0] == []


async def test_a_dry_run_on_a_note_makes_up_the_change_the_trigger_waits_for(v: Vault) -> None:
    v.rules(
        rule(
            "- {type: notify, message: 'mood ${trigger.new_value} on ${note.title}'}",
            trigger="{event: tag_changed, codex_type: scene, tags: 'mood:*'}",
        )
    )
    (loaded,) = [r for r in v.engine.rules() if r.id == "t"]

    preview = await dry_run(v.engine, loaded, made_up_event(v.engine, loaded, STORM), False)

    assert preview.messages == ["mood tense on The Storm"]


async def test_a_chain_dry_run_lets_later_steps_see_earlier_writes(v: Vault) -> None:
    report = """
- name: Report
  depends_on: [Progress]
  actions:
    - {type: append_field, note: Characters/Alice.md, field: scenes_done, value: again}
"""
    v.rules(chain(FIND + PROGRESS + TASKS + report))
    event = await v.tag_go()
    alice = v.read(ALICE)
    (loaded,) = [r for r in v.engine.rules() if r.id == "t"]

    preview = await dry_run(v.engine, loaded, event)

    assert preview.error is None
    (change,) = [c for c in preview.changes if c.path == ALICE]
    assert '+scenes_done: ["[[Road]]", again]\n' in change.diff
    assert change.summary.count("append") == 2
    assert v.read(ALICE) == alice


async def test_a_dry_run_of_an_event_the_trigger_does_not_take_says_which_filter(
    v: Vault,
) -> None:
    v.rules(rule("- {type: notify, message: hi}", trigger="{event: tag_changed, tags: 'mood:*'}"))
    event = await v.tag_go()
    (loaded,) = [r for r in v.engine.rules() if r.id == "t"]

    preview = await dry_run(v.engine, loaded, event)

    assert not preview.matched
    assert preview.reason == "tags: no tag added or changed is like mood:*"


async def test_replay_over_the_log_fires_where_the_live_runs_did(v: Vault) -> None:
    v.rules(
        rule(
            "- {type: notify, message: '${trigger.new_value} on ${note.title}'}",
            trigger="{event: tag_changed, codex_type: scene, tags: 'mood:*'}",
        )
    )
    live = []
    for old, new, path in [
        ("mood:peaceful", "mood:tense", ROAD),
        ("tags: [mood:tense", "tags: [idea, mood:tense", STORM),  # no mood change: no run
        ("mood:tense", "mood:sad", STORM),
        ("mood:tense", "mood:calm", ROAD),
    ]:
        for event in await v.change(path, old, new):
            live += await v.engine.handle(event)

    report = await replay(v.engine, next(r for r in v.engine.rules() if r.id == "t"))

    ran = [t for t in live if t.outcome == "succeeded"]
    assert len(ran) == 3
    assert [p.event.id for p in report.previews] == [t.event.id for t in ran]
    assert [p.messages for p in report.previews] == [[m.message for m in t.messages] for t in ran]
    assert report.fired == 3 and report.considered == 4
    assert report.not_taken == {"tags: no tag added or changed is like mood:*": 1}
    assert report.summary() == "This rule would have fired 3 times over 8 recorded events."


async def test_near_misses_name_the_filter_condition_or_limit_that_stopped_a_rule(
    v: Vault,
) -> None:
    v.rules(
        """
- id: wrong-type
  name: Characters only
  trigger: {event: tag_changed, codex_type: character}
  actions: [{type: notify, message: hi}]
- id: wrong-tag
  name: Moods only
  trigger: {event: tag_changed, tags: "mood:*"}
  actions: [{type: notify, message: hi}]
- id: condition
  name: Late scenes only
  trigger: {event: tag_changed}
  conditions: ["note.fields.order > 5"]
  actions: [{type: notify, message: hi}]
- id: limited
  name: Once a minute
  trigger: {event: tag_changed}
  note_rate_limit: {runs: 1}
  actions: [{type: notify, message: hi}]
"""
    )
    first = await v.tag_go()
    await v.engine.handle(first)
    event = again(first)
    await v.engine.handle(event)
    await v.engine.flush()
    assert v.engine.runs is not None

    entries = {e.rule: e for e in await v.engine.runs.explain(event=event.id)}

    assert entries["wrong-type"].stage == "trigger"
    assert entries["wrong-type"].reason == ("codex_type: the note is a scene, not character")
    assert entries["wrong-tag"].reason == "tags: no tag added or changed is like mood:*"
    assert entries["condition"].stage == "conditions"
    assert entries["condition"].reason == "a condition did not hold: note.fields.order > 5"
    assert entries["limited"].stage == "rate"
    assert "already ran 1 times on Scenes/Road.md" in entries["limited"].reason


def again(event: Event) -> Event:
    fresh = new_id()
    return msgspec.structs.replace(event, id=fresh, correlationid=fresh)


async def test_a_rule_switched_off_on_this_machine_stays_off_across_restarts(v: Vault) -> None:
    v.rules(rule("- {type: set_field, field: seen, value: 1}"))
    loaded = await v.engine.set_enabled("t", False)
    assert not loaded.runnable and loaded.disabled_reason == "switched off on this machine"
    assert await v.engine.handle(await v.tag_go()) == []
    assert ".vespera" not in (v.session.state_dir / "rule-overrides.json").read_text()
    v.engine.overrides = {}
    from vespera.automation.overrides import load_overrides

    assert load_overrides(v.session.state_dir) == {"t": False}
    loaded = await v.engine.set_enabled("t", None)
    assert loaded.runnable


async def test_a_rule_switched_off_in_its_file_gets_the_key_written(v: Vault) -> None:
    v.rules(rule("- {type: notify, message: hi}"))
    loaded = await v.engine.set_enabled("t", False, "file")
    text = v.read(".vespera/rules/test.yaml")
    assert "name: Test rule\nenabled: false\n" in text
    assert not loaded.runnable and loaded.disabled_reason == "enabled: false"
    loaded = await v.engine.set_enabled("t", True, "file")
    assert "enabled: true\n" in v.read(".vespera/rules/test.yaml") and loaded.runnable


async def test_every_kind_of_stop_is_explained_with_its_reason(v: Vault) -> None:
    v.rules(
        """
- id: own
  name: Retags itself
  trigger: {event: tag_changed}
  actions: [{type: add_tags, tags: [seen]}]
- id: single
  name: One at a time
  trigger: {event: tag_changed}
  mode: single
  actions: [{type: notify, message: hi}]
- id: settles
  name: Waits for quiet
  trigger: {event: tag_changed}
  debounce: 0.05
  actions: [{type: notify, message: hi}]
- id: broken
  name: Always fails
  trigger: {event: tag_changed}
  breaker: {failures: 1, cooldown: 60}
  actions: [{type: set_field, note: Nobody, field: x, value: 1}]
"""
    )
    first = await v.tag_go()
    second = again(first)
    # Both changes arrive while the first run of each rule is still planning.
    async with v.engine.planning:
        futures = [f for e in (first, second) for f in await v.engine.admit(e)]
    await asyncio.gather(*futures)
    # The rule's own change (its tag) comes back as an event.
    (own_change,) = [
        e for e in await v.events() if e.actor == "automation:own" and e.type == "tag_changed"
    ]
    await v.engine.handle(own_change)
    await v.engine.flush()
    assert v.engine.runs is not None

    def stages(entries: list[ExplainEntry]) -> list[tuple[str, str]]:
        return [(e.stage, e.reason) for e in entries]

    second_entries = await v.engine.runs.explain(event=second.id)
    by_rule = {e.rule: e for e in second_entries}
    assert (by_rule["single"].stage, by_rule["single"].reason) == (
        "mode",
        "a run of it on this note was still under way (mode: single)",
    )
    assert by_rule["broken"].stage == "breaker"
    assert by_rule["broken"].reason.startswith("it failed 1 times in a row, so it is paused")
    first_entries = {e.rule: e for e in await v.engine.runs.explain(event=first.id)}
    assert first_entries["settles"].stage == "superseded"
    assert first_entries["settles"].reason.startswith("a newer change (")
    own = {e.rule: e for e in await v.engine.runs.explain(event=own_change.id)}
    assert stages([own["own"]]) == [
        ("own-change", "the rule made this change itself (react_to_own_changes is off)")
    ]
