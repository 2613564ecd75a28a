"""Undoing a past run: notes put back exactly, created notes removed, later edits kept."""

from __future__ import annotations

import msgspec
import pytest

from vespera.automation.undo import UndoError, undo_run
from vespera.events.ids import new_id

from ..stores import write_note
from .vault import ALICE, ROAD, RULE_ID, Vault, run

ACTIONS = """
- {type: set_field, field: order, value: 9}
- {type: append_text, note: Characters/Alice.md, heading: Development log, text: "- went on"}
- {type: create_note, path: Notes/Made by the rule, body: "Made.\\n"}
"""
MADE = "Notes/Made by the rule.md"


async def test_undo_puts_every_written_note_back_and_deletes_what_the_run_created(
    v: Vault,
) -> None:
    road_before = v.read(ROAD)  # as the trigger left it (tagged go)
    alice_before = v.read(ALICE)
    trace = await run(v, ACTIONS)
    assert trace.outcome == "succeeded", trace.error
    assert v.read(ROAD) != road_before and (v.root / MADE).exists()
    # The road scene was changed by the trigger itself too: only the run's part is undone.
    road_before = next(w["before"] for w in trace.writes if w["path"] == ROAD)
    head = await v.session.events.head()

    report = await undo_run(v.engine, trace.run)

    assert sorted(report.restored) == [ALICE, ROAD] and report.deleted == [MADE]
    assert report.conflicts == []
    assert v.read(ROAD) == road_before and v.read(ALICE) == alice_before
    assert not (v.root / MADE).exists()
    # The undo's changes are events like any other: the rule as actor, the undo as cause.
    undone = [e for e in await v.events(head) if e.causationid == report.undo]
    assert {e.actor for e in undone} == {f"automation:{RULE_ID}"}
    assert "note.deleted" in {e.type for e in undone}
    assert v.engine.runs is not None
    stored = await v.engine.runs.get(trace.run)
    assert stored is not None and stored.undone_by == report.undo


async def test_a_note_changed_since_the_run_is_left_as_it_is_and_the_rest_undone(
    v: Vault,
) -> None:
    trace = await run(v, ACTIONS)
    edited = v.read(ALICE) + "\nA line the writer added after the run.\n"
    write_note(v.root, ALICE, edited)
    await v.session.update([ALICE])

    report = await undo_run(v.engine, trace.run)

    assert report.conflicts == [(ALICE, "it was changed since the run; it is left as it is")]
    assert v.read(ALICE) == edited  # the writer's words are kept
    assert report.restored == [ROAD] and report.deleted == [MADE]


async def test_a_run_is_undone_once_and_an_unknown_run_not_at_all(v: Vault) -> None:
    trace = await run(v, "- {type: set_field, field: order, value: 9}")
    await undo_run(v.engine, trace.run)
    with pytest.raises(UndoError, match="undone already"):
        await undo_run(v.engine, trace.run)
    with pytest.raises(UndoError, match="no run"):
        await undo_run(v.engine, "01-not-a-run")


async def test_undo_keeps_the_run_in_its_place_among_the_runs(v: Vault) -> None:
    first = await run(v, "- {type: set_field, field: order, value: 9}")
    rules = v.read(".vespera/rules/test.yaml").replace("value: 9", "value: 10")
    v.rules(rules + "repeat_in_cascade: true\n")
    (second,) = await v.engine.handle(msgspec.structs.replace(first.event, id=new_id()))
    await undo_run(v.engine, first.run)
    assert v.engine.runs is not None
    listed, _ = await v.engine.runs.list()
    assert [t.run for t in listed][:2] == [second.run, first.run]
