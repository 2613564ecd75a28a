"""Chains: steps in the order their dependencies give, results passed forward, and a failed
chain rolled back without clobbering what the writer changed meanwhile."""

from __future__ import annotations

import textwrap

from vespera.automation.planning import NoteText
from vespera.automation.undo import undo_run
from vespera_protocol.messages import RunTrace

from ..stores import write_note
from .vault import ALICE, BRAM, ROAD, Vault

TASK = "Tasks/Review Alice.md"


def chain(steps: str, extra: str = "") -> str:
    """A chain rule (id ``t``) reacting to the road scene being tagged ``go``."""
    steps = textwrap.indent(textwrap.dedent(steps).strip(), "  ")
    return (
        "id: t\nname: Test chain\ntrigger: {event: tag_changed, tags: go}\n"
        f"{extra}chain_steps:\n{steps}\n"
    )


FIND = """
- name: Find the characters
  step: 1
  actions:
    - {type: query, linked_from: "${note.path}", linked_field: characters, store_as: cast}
"""
PROGRESS = """
- name: Progress
  depends_on: [1]
  actions:
    - type: for_each
      items: "${context.cast}"
      as: c
      actions:
        - {type: append_field, note: "${c.path}", field: scenes_done, value: "[[${note.name}]]"}
"""
TASKS = """
- name: Tasks
  depends_on: [1]
  actions:
    - {type: create_task, title: "Review ${context.cast[0].name}", folder: Tasks}
"""
FAIL = """
- name: Breaks
  depends_on: [Progress, Tasks]
  actions:
    - {type: set_field, note: Nobody, field: x, value: 1}
"""


def names(trace: RunTrace) -> list[str]:
    return [s["label"] for s in trace.actions]


async def test_steps_run_in_dependency_order_passing_results_forward(v: Vault) -> None:
    report = """
- name: Report
  depends_on: [Tasks, Progress]
  actions:
    - {type: notify, message: "${context.cast | length} characters, task ${context.task}"}
"""
    tasks = TASKS.replace("folder: Tasks}", "folder: Tasks, store_as: task}")
    v.rules(chain(report + PROGRESS + FIND + tasks))

    trace = await v.go()

    assert trace.outcome == "succeeded", trace.error
    # Written out of order: run once what they depend on is done, independent ones together.
    assert names(trace) == ["Find the characters", "Progress", "Tasks", "Report"]
    assert all(s["action"] == "chain_step" for s in trace.actions)
    assert v.fields(ALICE)["scenes_done"] == ["[[Road]]"]
    assert v.fields(BRAM)["scenes_done"] == ["[[Road]]"]
    assert (v.root / TASK).exists()
    assert [m.message for m in trace.messages] == [f"2 characters, task {TASK}"]
    assert {c.path for c in trace.changes} == {ALICE, BRAM, TASK}
    # Each step's actions are nested under it in the trace.
    assert trace.actions[0]["steps"][0]["result"]["count"] == 2


async def test_a_step_whose_conditions_fail_is_skipped_with_the_steps_after_it(v: Vault) -> None:
    gated = PROGRESS.replace(
        "  depends_on: [1]\n", "  depends_on: [1]\n  conditions: ['context.cast | length > 5']\n"
    )
    after = TASKS.replace("name: Tasks", "name: After").replace("[1]", "[Progress]")
    v.rules(chain(FIND + gated + after))
    alice = v.read(ALICE)

    trace = await v.go()

    assert trace.outcome == "succeeded", trace.error
    progress, skipped_after = trace.actions[1], trace.actions[2]
    assert progress["skipped"] == "its conditions do not hold"
    assert skipped_after["skipped"] == "a step it depends on did not complete (Progress)"
    assert {"condition": "context.cast | length > 5", "value": False, "step": "Progress"} in (
        trace.conditions
    )
    assert v.read(ALICE) == alice and not (v.root / TASK).exists()


async def test_a_failed_chain_puts_back_every_note_its_steps_wrote(v: Vault) -> None:
    emit = "\n    - {type: emit_event, event: cast_progressed}"
    v.rules(chain(FIND + PROGRESS.rstrip() + emit + "\n" + TASKS + FAIL))
    event = await v.tag_go()
    alice, bram = v.read(ALICE), v.read(BRAM)
    head = await v.session.events.head()

    (trace,) = await v.engine.handle(event)

    assert trace.outcome == "failed"
    assert trace.error is not None
    assert trace.error.startswith("step 'Breaks' failed: set_field: no note 'Nobody'")
    assert trace.error.endswith("its changes were put back")
    assert v.read(ALICE) == alice and v.read(BRAM) == bram
    assert not (v.root / TASK).exists()
    assert trace.rollback is not None
    assert sorted(trace.rollback.restored) == [ALICE, BRAM]
    assert trace.rollback.deleted == [TASK] and trace.rollback.conflicts == []
    assert trace.writes == [] and trace.changes == []  # nothing left to undo
    # Events of a chain go out only once it stands: a rolled-back one emitted nothing.
    assert trace.emitted == []
    assert "custom.vault.cast_progressed" not in {e.type for e in await v.events(head)}


class _OpenBram:
    """The editor, as far as the run sees it: Bram's note is open in it; once it applied the
    rule's edit to Bram, the writer adds a line to Alice's (closed) note."""

    def __init__(self, v: Vault) -> None:
        self.v = v
        self.text = v.read(BRAM)
        self.version = 1

    def read_open(self, path: str) -> NoteText | None:
        if path != BRAM:
            return None
        return NoteText(self.text, f"v{self.version}", self.version)

    async def apply(self, path: str, original: NoteText, text: str) -> bool:
        assert path == BRAM and original.version == self.version
        first = self.version == 1
        self.text, self.version = text, self.version + 1
        if first:
            alice = self.v.read(ALICE)
            assert "mood: brave" in alice  # the step before wrote it
            write_note(self.v.root, ALICE, alice + "\nA line by the writer.\n")
        return True


async def test_rollback_leaves_a_note_the_writer_changed_meanwhile_and_puts_back_the_rest(
    v: Vault,
) -> None:
    # Step 1 writes Alice (on disk), step 2 Bram (open in the editor); the writer edits Alice
    # between them; step 3 fails.
    steps = """
- name: Alice
  actions: [{type: set_field, note: Characters/Alice.md, field: mood, value: brave}]
- name: Bram
  depends_on: Alice
  actions: [{type: set_field, note: Characters/Bram.md, field: mood, value: brave}]
- name: Breaks
  depends_on: Bram
  actions: [{type: set_field, note: Nobody, field: x, value: 1}]
"""
    v.rules(chain(steps))
    event = await v.tag_go()
    editor = _OpenBram(v)
    bram = editor.text
    v.engine.open_notes = editor

    (trace,) = await v.engine.handle(event)

    assert trace.outcome == "failed" and trace.rollback is not None
    assert trace.rollback.restored == [BRAM]
    assert [c.path for c in trace.rollback.conflicts] == [ALICE]
    assert "changed since" in trace.rollback.conflicts[0].reason
    assert editor.text == bram  # put back through the editor
    assert v.read(ALICE).endswith("A line by the writer.\n")  # the writer's words are kept
    assert trace.error is not None and trace.error.endswith(
        "its changes were put back except in 1 note(s) changed since"
    )
    # What stayed is still the run's, to undo later (with the same care for the writer's edit).
    assert [w["path"] for w in trace.writes] == [ALICE]


async def test_a_step_that_may_fail_lets_the_chain_go_on_without_it(v: Vault) -> None:
    optional = FAIL.replace("depends_on: [Progress, Tasks]", "depends_on: [1]").replace(
        "  actions:", "  continue_on_error: true\n  actions:"
    )
    after = TASKS.replace("name: Tasks", "name: After").replace("[1]", "[Breaks]")
    v.rules(chain(FIND + PROGRESS + optional + after))

    trace = await v.go()

    assert trace.outcome == "partial", trace.error
    by_name = {s["label"]: s for s in trace.actions}
    assert "no note 'Nobody'" in by_name["Breaks"]["error"]
    assert by_name["After"]["skipped"].startswith("a step it depends on did not complete")
    assert v.fields(ALICE)["scenes_done"] == ["[[Road]]"]  # the other steps stand


async def test_a_chain_run_is_undone_as_a_whole(v: Vault) -> None:
    v.rules(chain(FIND + PROGRESS + TASKS))
    event = await v.tag_go()
    alice, road = v.read(ALICE), v.read(ROAD)
    (trace,) = await v.engine.handle(event)
    assert trace.outcome == "succeeded", trace.error

    report = await undo_run(v.engine, trace.run)

    assert sorted(report.restored) == [ALICE, BRAM] and report.deleted == [TASK]
    assert v.read(ALICE) == alice and v.read(ROAD) == road


async def test_without_rollback_a_failed_chain_keeps_what_it_wrote(v: Vault) -> None:
    v.rules(chain(FIND + PROGRESS + TASKS + FAIL, extra="rollback_strategy: none\n"))

    trace = await v.go()

    assert trace.outcome == "failed" and trace.rollback is None
    assert v.fields(ALICE)["scenes_done"] == ["[[Road]]"] and (v.root / TASK).exists()
    assert {w["path"] for w in trace.writes} == {ALICE, BRAM, TASK}  # still undoable
