"""Markdown hooks and pre-hooks: a rule in a note's frontmatter, hooks that refuse or patch
a rule's writes, and hooks whose edits go into a save."""

from __future__ import annotations

from .test_chains import chain
from .vault import ALICE, BRAM, Vault, rule

FREEZE = """---
id: freeze
name: Leave the protagonist alone
timing: pre
trigger: {event: automation_write, codex_type: character, tags: "role:protagonist"}
actions:
  - type: deny
    reason: "${note.name} is the protagonist; edit her by hand"
---

# Leave the protagonist alone

Rules may change characters, but never the protagonist: her arc is written by hand.

More words about why.
"""


def write_hook(v: Vault, name: str, text: str) -> None:
    path = v.root / ".vespera/hooks" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    v.engine.reload()


async def test_a_markdown_hook_is_a_rule_documented_by_its_body(v: Vault) -> None:
    write_hook(v, "freeze.md", FREEZE)
    (loaded,) = [r for r in v.engine.rules() if r.file == ".vespera/hooks/freeze.md"]
    assert loaded.id == "freeze" and loaded.runnable, loaded.problems
    assert loaded.rule is not None and loaded.rule.description == (
        "Rules may change characters, but never the protagonist: her arc is written by hand."
    )
    # Mistakes are found where they are in the hook, as in any rule file.
    write_hook(v, "freeze.md", FREEZE.replace("timing: pre", "timming: pre"))
    (broken,) = [r for r in v.engine.rules() if r.file == ".vespera/hooks/freeze.md"]
    first = broken.problems[0]
    assert first.message == "Unknown key 'timming'. Did you mean 'timing'?"
    assert first.range is not None and first.range.start_line == 3


async def test_a_hook_denying_a_write_rolls_the_run_back(v: Vault) -> None:
    write_hook(v, "freeze.md", FREEZE)
    steps = """
- name: Bram
  actions: [{type: set_field, note: Characters/Bram.md, field: seen, value: 1}]
- name: Alice
  depends_on: Bram
  actions: [{type: set_field, note: Characters/Alice.md, field: seen, value: 1}]
"""
    v.rules(chain(steps))
    event = await v.tag_go()
    alice, bram = v.read(ALICE), v.read(BRAM)

    (trace,) = await v.engine.handle(event)

    assert trace.outcome == "failed"
    assert trace.error is not None and "the hook 'Leave the protagonist alone' refused the " in (
        trace.error
    )
    assert "Alice is the protagonist; edit her by hand" in trace.error
    assert v.read(ALICE) == alice and v.read(BRAM) == bram  # Bram's write was put back
    assert trace.rollback is not None and trace.rollback.restored == [BRAM]


async def test_a_hook_patches_what_a_rule_writes(v: Vault) -> None:
    write_hook(
        v,
        "stamp.md",
        """---
name: Stamp automated edits
timing: pre
trigger: {event: automation_write, codex_type: character}
actions:
  - {type: add_tags, tags: ["edited-by:${trigger.data.rule}"]}
---
Every character a rule edits says so in its tags.
""",
    )
    v.rules(rule("- {type: set_field, note: Characters/Bram.md, field: seen, value: 1}"))

    trace = await v.go()

    assert trace.outcome == "succeeded", trace.error
    fields = v.fields(BRAM)
    assert fields["seen"] == 1 and "edited-by:t" in fields["tags"]
    assert trace.changes[0].summary == "set seen; add #edited-by:t (hook 'Stamp automated edits')"


async def test_a_pre_hook_rule_must_use_a_pre_hook_moment(v: Vault) -> None:
    text = rule("- {type: notify, message: hi}") + "timing: pre\n"
    from vespera.automation.loader import parse_rule_file

    parsed = parse_rule_file(".vespera/rules/x.yaml", text, v.engine.renderer)
    (problem,) = parsed.rules[0].problems
    assert problem.message == (
        "a pre-hook (timing: pre) runs on will_save or automation_write, not on tag_changed"
    )


async def test_will_save_hooks_return_the_text_to_save_and_are_traced(v: Vault) -> None:
    write_hook(
        v,
        "tidy.md",
        """---
name: Tidy tags on save
timing: pre
trigger: {event: will_save, codex_type: character}
actions:
  - {type: replace_tags, old: "role:protagonist", new: "role:lead"}
---
""",
    )

    changed = await v.engine.will_save(ALICE)

    assert changed is not None
    before, after = changed
    assert before == v.read(ALICE)  # nothing written: the editor saves the new text
    assert "tags: [role:lead]" in after
    assert v.engine.runs is not None
    (run,), _ = await v.engine.runs.list()
    assert run.rule == "tidy" and run.event.type == "will_save"
    assert run.writes == [{"path": ALICE, "before": before, "after": after}]
