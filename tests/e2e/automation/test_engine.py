"""The automation engine on a real vault: triggers, conditions, runs and their traces.

What a run did is read back from the files, the event log and the trace store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from vespera.automation.runner import UNTRUSTED
from vespera.events.ids import new_id
from vespera_protocol.events import Event

from ..stores import write_note
from .vault import (
    ALICE,
    BRAM,
    ROAD,
    RULE_ID,
    STORM,
    Vault,
    rule,
    run,
    step,
)


async def test_a_status_field_change_starts_a_rule_waiting_for_that_value(v: Vault) -> None:
    v.rules(
        rule(
            "- {type: notify, message: '${trigger.field}: ${trigger.old_value} -> "
            "${trigger.new_value} by ${trigger.actor}'}",
            trigger="{event: status_changed, codex_type: scene, to: final}",
        )
    )
    events = await v.change(ROAD, "order: 2\n", "order: 2\nstatus: Final\n", actor="external")
    (changed,) = [e for e in events if e.type == "status_changed"]
    (trace,) = await v.engine.handle(changed)
    assert [m.message for m in trace.messages] == ["status: None -> Final by external"]
    (other,) = [
        e
        for e in await v.change(STORM, "order: 3\n", "order: 3\nstatus: idea\n")
        if e.type == "status_changed"
    ]
    assert await v.engine.handle(other) == []


async def test_a_task_note_marked_done_starts_a_task_completed_rule(v: Vault) -> None:
    v.rules(
        rule(
            "- {type: notify, message: '${trigger.text} (${note.path})'}",
            trigger="{event: task_completed, codex_type: task, tags: task, paths: 'Work/*.md'}",
        )
    )
    task = "Work/Write the storm.md"
    events = await v.change(task, "status: open", "status: done")
    assert [e.type for e in events][-2:] == ["status_changed", "task_completed"]
    traces = [t for e in events for t in await v.engine.handle(e)]
    assert [m.message for t in traces for m in t.messages] == [f"Write the storm ({task})"]


async def test_ignore_actors_keeps_a_rule_from_reacting_to_its_own_changes(v: Vault) -> None:
    v.rules(
        rule(
            "- {type: add_tags, tags: [go-again]}",
            trigger="{event: tag_changed, tags: 'go*', ignore_actors: 'automation:*'}",
        )
    )
    head = await v.session.events.head()
    first = await v.go()
    assert first.outcome == "succeeded"
    made = [e for e in await v.events(head) if e.actor == f"automation:{RULE_ID}"]
    assert "tag_changed" in [e.type for e in made]
    for event in made:
        assert await v.engine.handle(event) == []


HOLDING = {
    "expression": "'note.fields.order > 1'",
    "wrapped expression": '\'${ note.has_tag("mood:*") and trigger.tag == "go" }\'',
    "eq ignores case": "{field: title, op: eq, value: the road}",
    "ne": "{field: title, op: ne, value: The Storm}",
    "in": "{field: order, op: in, value: [1, 2]}",
    "in compares as eq does": "{field: order, op: in, value: ['2', '3']}",
    "not_in": "{field: order, op: not_in, value: [3, 4]}",
    "contains in a list": "{field: characters, op: contains, value: '[[Bram]]'}",
    "contains in text": "{field: title, op: contains, value: road}",
    "exists": "{field: music, op: exists}",
    "missing": "{field: location, op: missing}",
    "gt": "{field: order, op: gt, value: 1}",
    "gte with a template": "{field: order, op: gte, value: '${ 1 + 1 }'}",
    "lt": "{field: order, op: lt, value: 3}",
    "lte": "{field: order, op: lte, value: 2}",
    "matches": "{field: title, op: matches, value: '^The R'}",
    "has_tag": "{has_tag: 'mood:*'}",
    "has_tag alternatives": "{has_tag: 'status:final|#status:draft'}",
    "has_tag of another note": "{has_tag: 'mood:tense', note: '[[Storm]]'}",
    "has_link": "{has_link: music}",
    "has_link to": "{has_link: characters, to: '[[Bram]]'}",
    "has_link any field": "{has_link: '*', to: Forest}",
    "count": "{count: characters, op: gte, value: 2}",
    "count eq": "{count: characters, op: eq, value: 2}",
    "all": "{all: [{has_link: music}, {has_tag: 'status:draft'}]}",
    "any": "{any: [{has_tag: 'status:final'}, {has_link: music}]}",
    "not": "{not: {has_tag: 'status:final'}}",
    "nested": "{any: [{all: [{has_tag: go}, {not: {has_link: location}}]}, 'false']}",
}


FAILING = {
    "expression": "'note.fields.order > 5'",
    "eq": "{field: title, op: eq, value: The Storm}",
    "ne": "{field: title, op: ne, value: The Road}",
    "in": "{field: order, op: in, value: [3, 4]}",
    "not_in": "{field: order, op: not_in, value: [2]}",
    "not_in compares as eq does": "{field: order, op: not_in, value: ['2']}",
    "contains": "{field: characters, op: contains, value: '[[Cara]]'}",
    "exists": "{field: location, op: exists}",
    "missing": "{field: music, op: missing}",
    "gt": "{field: order, op: gt, value: 2}",
    "gt of a missing field": "{field: nothing, op: gt, value: 0}",
    "lt": "{field: order, op: lt, value: 2}",
    "matches": "{field: title, op: matches, value: '^Storm'}",
    "has_tag": "{has_tag: 'status:final'}",
    "has_tag of another note": "{has_tag: 'mood:peaceful', note: '[[Storm]]'}",
    "has_tag of no note": "{has_tag: '*', note: '[[Nobody]]'}",
    "has_link": "{has_link: location}",
    "has_link to": "{has_link: characters, to: '[[Cara]]'}",
    "has_link to no note": "{has_link: characters, to: '[[Nobody]]'}",
    "count": "{count: characters, op: gt, value: 2}",
    "all": "{all: [{has_link: music}, {has_tag: 'status:final'}]}",
    "any": "{any: [{has_tag: 'status:final'}, {has_link: location}]}",
    "not": "{not: {has_link: music}}",
}


def condition_rules(cases: dict[str, str]) -> str:
    """A list file of one rule per condition, each named after its case."""
    return "".join(
        f"- name: {name}\n  trigger: {{event: tag_changed, tags: go}}\n"
        f"  conditions: [{condition}]\n  actions: [{{type: notify, message: ran}}]\n"
        for name, condition in cases.items()
    )


async def test_conditions_that_hold_let_their_rules_run(v: Vault) -> None:
    v.rules(condition_rules(HOLDING), "holding.yaml")
    traces = await v.engine.handle(await v.tag_go())
    outcomes = {t.rule_name: (t.outcome, t.error) for t in traces}
    assert outcomes == {name: ("succeeded", None) for name in HOLDING}
    for trace in traces:
        assert trace.conditions and [m.message for m in trace.messages] == ["ran"]


async def test_conditions_that_fail_skip_their_rules(v: Vault) -> None:
    v.rules(condition_rules(FAILING), "failing.yaml")
    traces = await v.engine.handle(await v.tag_go())
    outcomes = {t.rule_name: (t.outcome, t.error) for t in traces}
    assert outcomes == {name: ("skipped", None) for name in FAILING}
    for trace in traces:
        assert trace.actions == [] and trace.messages == [] and trace.changes == []
    assert v.read(ROAD).count("go") == 1  # nothing written


async def test_the_trace_records_each_condition_with_its_value(v: Vault) -> None:
    trace = await run(
        v,
        "- {type: notify, message: hi}",
        """
        - {field: order, op: gt, value: 1}
        - has_link: music
        - {count: characters, op: gte, value: 2}
        - {any: [{has_tag: 'status:final'}, 'true']}
        """,
    )
    assert trace.outcome == "succeeded"
    assert trace.conditions == [
        {"condition": "order gt 1", "value": True},
        {"condition": "has_link music", "value": True},
        {"condition": "count characters gte 2", "value": True},
        {"condition": "has_tag status:final", "value": False},
        {"condition": "true", "value": True},
    ]


async def test_conditions_stop_at_the_first_that_fails(v: Vault) -> None:
    trace = await run(v, "- {type: notify, message: hi}", "- has_link: location\n- has_link: music")
    assert trace.outcome == "skipped"
    assert trace.conditions == [{"condition": "has_link location", "value": False}]


async def test_an_event_no_rule_listens_for_starts_no_run(v: Vault) -> None:
    v.rules(rule("- {type: notify, message: hi}"))
    events = await v.change(ROAD, "order: 2", "order: 3")
    assert [e.type for e in events] == ["content_updated", "field_changed"]
    for event in events:
        assert await v.engine.handle(event) == []
    assert v.engine.runs is not None
    assert await v.engine.runs.list() == ([], None)


async def test_a_rule_file_named_with_spaces_runs_under_a_slug_id(v: Vault) -> None:
    v.rules(
        rule("- {type: set_field, field: a, value: 1}").replace("id: t\n", ""), "Mood Music.yaml"
    )
    head = await v.session.events.head()
    trace = await v.go()
    assert (trace.rule, trace.outcome) == ("mood-music", "succeeded")
    actors = {e.actor for e in await v.events(head)}
    assert actors == {"user", "automation:mood-music"}


async def test_a_cascade_stops_starting_runs_after_fifty(v: Vault) -> None:
    # A rule allowed to run again in a cascade still meets the cap of the whole cascade.
    allowed = "repeat_in_cascade: true\nnote_rate_limit: {runs: 100}\n"
    v.rules(rule("- {type: notify, message: hi}") + allowed)
    first = await v.go()
    for _ in range(49):
        (again,) = await v.engine.handle(again_event(first.event))
        assert again.outcome == "succeeded"
    (stopped,) = await v.engine.handle(again_event(first.event))
    assert stopped.outcome == "stopped" and stopped.attempts == 0
    assert "this cascade of changes already started 50 runs" in (stopped.error or "")


def again_event(event: Event) -> Event:
    """The same change as another event of its cascade (an event is handled only once)."""
    return msgspec.structs.replace(event, id=new_id())


async def test_runs_are_kept_and_read_back_newest_first_in_pages(v: Vault) -> None:
    first = await run(v, "- {type: notify, message: hi}")
    assert v.engine.runs is not None
    v.rules(rule("- {type: notify, message: hi}") + "repeat_in_cascade: true\n")
    again = [await v.engine.handle(again_event(first.event)) for _ in range(2)]
    second, third = again[0][0], again[1][0]
    page, after = await v.engine.runs.list(limit=2)
    assert [t.run for t in page] == [third.run, second.run]
    assert after == second.run
    rest, more = await v.engine.runs.list(before=after, limit=2)
    assert [t.run for t in rest] == [first.run] and more is None
    assert await v.engine.runs.get(first.run) == first
    assert await v.engine.runs.get("no-such-run") is None
    mine, _ = await v.engine.runs.list(rule=RULE_ID, subject=ROAD, outcome="succeeded")
    assert len(mine) == 3
    assert (await v.engine.runs.list(outcome="failed"))[0] == []


async def test_a_trace_names_the_rule_its_version_and_the_event(v: Vault) -> None:
    trace = await run(v, "- {type: set_field, field: a, value: 1}")
    (loaded,) = [r for r in v.engine.rules() if r.id == RULE_ID]
    assert (trace.rule, trace.rule_name, trace.rule_file) == (
        RULE_ID,
        "Test rule",
        ".vespera/rules/test.yaml",
    )
    assert trace.rule_version == loaded.version
    assert trace.event.type == "tag_changed" and trace.event.subject == ROAD
    assert trace.attempts == 1 and trace.duration_ms >= 0
    assert step(trace)["inputs"] == {"note": None, "field": "a", "value": 1}


async def test_a_note_changed_on_disk_between_plan_and_write_is_planned_again(
    v: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    v.rules(rule("- {type: append_text, text: rule line}"))
    plan = v.engine._plan
    calls = 0

    def plan_then_edit(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        planned = plan(*args)
        if calls == 1:  # the writer saves between the run's reading and its writing
            write_note(v.root, ROAD, v.read(ROAD) + "writer line\n")
        return planned

    monkeypatch.setattr(v.engine, "_plan", plan_then_edit)
    trace = await v.go()
    assert trace.outcome == "succeeded" and trace.attempts == 2
    assert v.read(ROAD).endswith("- an old note\nwriter line\nrule line\n")


async def test_a_run_over_several_notes_writes_none_of_them_when_one_changed(
    v: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    v.rules(
        rule(
            """
            - type: for_each
              items: "${ linked(note, 'characters') }"
              actions: [{type: append_text, note: "${item.path}", text: "- seen"}]
            """
        )
    )
    plan = v.engine._plan
    calls = 0

    def plan_then_edit(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        planned = plan(*args)
        if calls == 1:  # the second of the two notes changes before the run writes
            write_note(v.root, BRAM, v.read(BRAM) + "writer line\n")
        return planned

    monkeypatch.setattr(v.engine, "_plan", plan_then_edit)
    trace = await v.go()
    assert trace.outcome == "succeeded" and trace.attempts == 2
    assert v.read(ALICE).endswith("Short-spoken.\n- seen\n")  # once, not once per attempt
    assert v.read(BRAM).endswith("# Bram\nwriter line\n- seen\n")
    assert [c.path for c in trace.changes] == [ALICE, BRAM]


async def test_a_note_that_keeps_changing_fails_the_run_after_three_attempts(
    v: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    v.rules(rule("- {type: append_text, text: rule line}"))
    plan: Callable[..., Any] = v.engine._plan

    def plan_then_edit(*args: Any) -> Any:
        planned = plan(*args)
        write_note(v.root, ROAD, v.read(ROAD) + "writer line\n")
        return planned

    monkeypatch.setattr(v.engine, "_plan", plan_then_edit)
    trace = await v.go()
    assert trace.outcome == "failed" and trace.attempts == 3
    assert trace.error == f"{ROAD} changed since the run read it; gave up after 3 attempts"
    assert "rule line" not in v.read(ROAD) and v.read(ROAD).count("writer line") == 3


async def test_a_held_engine_runs_nothing_says_why_and_never_runs_what_came_meanwhile(
    v: Vault,
) -> None:
    v.rules(rule("- {type: set_field, field: seen, value: once}"))
    v.engine.hold(UNTRUSTED)
    first = await v.tag_go()
    tagged = v.read(ROAD)

    assert await v.engine.handle(first) == []

    assert v.read(ROAD) == tagged
    await v.change(ROAD, "tags: [go, ", "tags: [")
    late = await v.tag_go()  # logged while held, handed to the rules once released
    v.engine.hold(None)
    assert await v.engine.handle(late) == []
    await v.engine.commit_near_misses()
    assert v.engine.runs is not None
    for event in (first, late):
        (entry,) = await v.engine.runs.explain(event=event.id, rule=RULE_ID)
        assert (entry.stage, entry.reason) == (
            "untrusted",
            "the workspace is not trusted, so automation does not write (trust it to let rules "
            "run)",
        )
    await v.change(ROAD, "tags: [go, ", "tags: [")
    (trace,) = await v.engine.handle(await v.tag_go())
    assert trace.outcome == "succeeded" and v.fields(ROAD)["seen"] == "once"
