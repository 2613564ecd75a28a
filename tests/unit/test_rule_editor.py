"""Rule files in the editor, without a server: findings, completions and hovers from the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from vespera.automation.loader import parse_rule_file
from vespera.automation.templates import Renderer
from vespera.codex.types import Codex, load_codex
from vespera.editor.catalog import Catalog, TagInfo
from vespera.editor.rule_completion import RuleVault, rule_completions
from vespera.editor.rule_cursor import ITEM, rule_cursor
from vespera.editor.rule_findings import rule_findings
from vespera.editor.rule_hover import rule_hover
from vespera.editor.rule_keys import Place, place_of
from vespera.editor.rule_values import emitted_events
from vespera.vault.model import Range
from vespera.vault.resolve import fold

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example-vault"
PATH = ".vespera/rules/test.yaml"
VALID = """\
name: Revised scenes
trigger:
  event: tag_changed
  codex_type: scene
  tags: "status:revised"
actions:
  - type: notify
    message: "${note.title} was revised"
"""


@pytest.fixture(scope="module")
def codex() -> Codex:
    return load_codex(EXAMPLE)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture
def vault(codex: Codex) -> RuleVault:
    names = ["mood:tense", "mood:peaceful", "status:draft", "review"]
    tags = {fold(n): TagInfo(fold(n), n, 3, 2) for n in names}
    return RuleVault(codex, Catalog.build(tags, {}), ("music_changed",))


def labels(vault: RuleVault, text: str, line: int, character: int) -> list[str]:
    found = rule_completions(text, line, character, vault)
    assert found is not None
    return [s.label for s in found.suggestions]


def at(text: str, marker: str = "|") -> tuple[str, int, int]:
    """``text`` without ``marker``, and the line and column where it was."""
    before, after = text.split(marker)
    lines = before.split("\n")
    return before + after, len(lines) - 1, len(lines[-1])


# -- findings ----------------------------------------------------------------------------------


def test_the_example_rules_have_no_findings(renderer: Renderer, codex: Codex) -> None:
    for file in sorted((EXAMPLE / ".vespera" / "rules").glob("*.yaml")):
        assert rule_findings(file.name, file.read_text(encoding="utf-8"), renderer, codex) == []


def test_a_typo_in_a_key_is_found_at_the_key_with_a_suggestion(renderer: Renderer) -> None:
    text = VALID.replace("  tags:", "  tagz:")
    found = rule_findings(PATH, text, renderer)
    typo = next(f for f in found if f.code == "rule-invalid")
    assert typo.range == Range(4, 2, 4, 6)
    assert "Did you mean 'tags'?" in typo.message and typo.severity == "error"


def test_an_invalid_rule_says_at_its_name_that_it_is_disabled_and_why(renderer: Renderer) -> None:
    text = VALID.replace("  tags:", "  tagz:")
    disabled = [f for f in rule_findings(PATH, text, renderer) if f.code == "rule-disabled"]
    assert len(disabled) == 1
    assert disabled[0].range == Range(0, 6, 0, 20)  # "Revised scenes"
    assert "disabled" in disabled[0].message and "Unknown key 'tagz'" in disabled[0].message


def test_an_unknown_action_type_is_underlined_at_the_type(renderer: Renderer) -> None:
    text = VALID.replace("type: notify", "type: notfy")
    found = [f for f in rule_findings(PATH, text, renderer) if f.code == "rule-invalid"]
    assert len(found) == 1
    assert found[0].range == Range(6, 10, 6, 15)
    assert "Unknown action type 'notfy'. Did you mean 'notify'?" in found[0].message


def test_a_missing_key_is_found_at_its_block(renderer: Renderer) -> None:
    text = VALID.replace('    message: "${note.title} was revised"\n', "    label: say\n")
    found = [f for f in rule_findings(PATH, text, renderer) if f.code == "rule-invalid"]
    assert len(found) == 1 and "message" in found[0].message
    assert (found[0].range.start_line, found[0].range.start_char) == (6, 4)  # "type: notify"


def test_a_template_syntax_error_is_found_at_its_value(renderer: Renderer) -> None:
    text = VALID.replace("${note.title} was", "${note.title was")
    found = [f for f in rule_findings(PATH, text, renderer) if f.code == "rule-invalid"]
    assert len(found) == 1 and found[0].message.startswith("Template error")
    assert found[0].range.start_line == 7 and found[0].range.start_char == 13


def test_an_unknown_codex_type_is_a_warning_and_the_rule_still_runs(
    renderer: Renderer, codex: Codex
) -> None:
    text = VALID.replace("codex_type: scene", "codex_type: scne")
    found = rule_findings(PATH, text, renderer, codex)
    assert [(f.severity, f.range) for f in found] == [("warning", Range(3, 14, 3, 18))]
    assert "Did you mean 'scene'?" in found[0].message


def test_a_switched_off_rule_is_noted_at_its_enabled_key(renderer: Renderer) -> None:
    text = VALID.replace("trigger:", "enabled: false\ntrigger:")
    found = rule_findings(PATH, text, renderer)
    assert [(f.code, f.severity, f.range) for f in found] == [
        ("rule-disabled", "info", Range(1, 9, 1, 14))
    ]


def test_ranges_count_utf16_units(renderer: Renderer) -> None:
    text = "name: 🎵 music\ntrigger: {event: tag_changed, tagz: x}\nactions: [{type: notify}]\n"
    found = rule_findings(PATH, text, renderer)
    disabled = next(f for f in found if f.code == "rule-disabled")
    assert disabled.range == Range(0, 6, 0, 14)  # the note is two UTF-16 units


def test_not_yaml_is_one_finding_at_the_mistake(renderer: Renderer) -> None:
    found = rule_findings(PATH, "name: x\ntrigger:\n  event: [\n", renderer)
    assert len(found) == 1 and found[0].message.startswith("Not valid YAML")


def test_findings_match_what_the_loader_finds(renderer: Renderer) -> None:
    text = VALID.replace("  tags:", "  tagz:").replace("type: notify", "type: notfy")
    loaded = parse_rule_file(PATH, text, renderer)
    invalid = [f for f in rule_findings(PATH, text, renderer) if f.code == "rule-invalid"]
    assert sorted(f.message for f in invalid) == sorted(p.message for p in loaded.all_problems())


# -- where the cursor is -----------------------------------------------------------------------


def test_the_cursor_path_follows_indentation_through_list_items() -> None:
    text, line, column = at(
        "name: x\nactions:\n  - type: for_each\n    actions:\n      - type: set_field\n"
        "        fie|\n"
    )
    cursor = rule_cursor(text, line, column)
    assert cursor is not None
    assert cursor.path == ("actions", ITEM, "actions", ITEM)
    assert cursor.present == {"type": "set_field"} and cursor.prefix == "fie"
    assert place_of(cursor.path) == Place("action")


def test_a_list_of_rules_and_a_list_of_values_have_their_places() -> None:
    assert place_of((ITEM, "trigger", ITEM)) == Place("trigger")
    assert place_of(("trigger", "tags", ITEM)) == Place("trigger", "tags")
    assert place_of(("conditions", ITEM, "any", ITEM)) == Place("condition")
    assert place_of(("actions", ITEM, "data")) == Place("action", "data")
    assert place_of(("actions", ITEM, "data", "scene")) is None


def test_nothing_completes_inside_a_block_scalar_or_a_comment() -> None:
    text = "name: x\nactions:\n  - type: create_task\n    body: |\n      some te\n# a comm"
    assert rule_cursor(text, 4, len("      some te")) is None
    assert rule_cursor(text, 5, len("# a comm")) is None


# -- completion --------------------------------------------------------------------------------


def test_action_types_complete_after_type(vault: RuleVault) -> None:
    text, line, column = at("name: x\nactions:\n  - type: |\n")
    found = rule_completions(text, line, column, vault)
    assert found is not None
    assert [s.label for s in found.suggestions][:3] == ["set_field", "unset_field", "append_field"]
    notify = next(s for s in found.suggestions if s.label == "notify")
    assert notify.detail == "action" and "message" in notify.documentation.lower()
    assert found.range == Range(line, column, line, column)


def test_event_types_complete_with_custom_events_of_the_vault(vault: RuleVault) -> None:
    text, line, column = at("name: x\ntrigger:\n  event: |\n")
    found = labels(vault, text, line, column)
    assert {"tag_changed", "note.created", "task_completed", "music_changed"} <= set(found)
    assert labels(vault, *at("name: x\ntrigger:\n  event: sta|\n")) == ["status_changed"]


def test_a_value_right_after_the_colon_is_inserted_with_a_blank(vault: RuleVault) -> None:
    text, line, column = at("trigger:\n  event:|\n")
    found = rule_completions(text, line, column, vault)
    assert found is not None
    assert found.suggestions[0].insert == " note.created"


def test_trigger_keys_complete_without_those_already_written(vault: RuleVault) -> None:
    text, line, column = at("name: x\ntrigger:\n  event: tag_changed\n  |\n  tags: x\n")
    found = labels(vault, text, line, column)
    assert "codex_type" in found and "removed_tags" in found
    assert "event" not in found and "tags" not in found


def test_action_keys_follow_the_action_type(vault: RuleVault) -> None:
    text, line, column = at("actions:\n  - type: update_linked_codex\n    |\n")
    found = labels(vault, text, line, column)
    assert found[0] == "field"  # required first
    assert {"target_type", "if_none", "label"} <= set(found) and "message" not in found
    untyped = labels(vault, *at("actions:\n  - |\n"))
    assert untyped[0] == "type"


def test_condition_keys_narrow_to_the_kind_of_test(vault: RuleVault) -> None:
    assert set(labels(vault, *at("conditions:\n  - count: characters\n    |\n"))) == {
        "op",
        "value",
        "note",
    }
    found = labels(vault, *at("conditions:\n  - any:\n      - ha|\n"))
    assert found == ["has_tag", "has_link"]


def test_codex_types_complete_for_codex_type_and_target_type(vault: RuleVault) -> None:
    names = {"character", "location", "music", "scene", "task"}
    assert set(labels(vault, *at("trigger:\n  codex_type: |\n"))) == names
    found = labels(vault, *at("actions:\n  - type: update_linked_codex\n    target_type: mu|\n"))
    assert found == ["music"]


def test_tag_patterns_offer_globs_then_tags_in_use(vault: RuleVault) -> None:
    text, line, column = at('trigger:\n  tags: "mo|"\n')
    assert labels(vault, text, line, column) == ["mood:*", "mood:peaceful", "mood:tense"]
    text, line, column = at("trigger:\n  tags:\n    - mood:|\n")
    found = rule_completions(text, line, column, vault)
    assert found is not None
    assert found.suggestions[0].insert == "mood:*"
    assert found.range.start_char == len("    - ")
    text, line, column = at('conditions:\n  - has_tag: "mood:tense|sta@"\n', "@")
    assert labels(vault, text, line, column) == ["status:*", "status:draft"]


def test_fields_come_from_the_triggers_codex_type(vault: RuleVault) -> None:
    text, line, column = at("trigger:\n  event: field_changed\n  codex_type: task\n  field: |\n")
    found = labels(vault, text, line, column)
    assert "status" in found and "characters" not in found
    text, line, column = at(
        "trigger:\n  event: tag_changed\n  codex_type: scene\nconditions:\n  - has_link: |\n"
    )
    assert set(labels(vault, text, line, column)) == {"characters", "location", "music"}


def test_literal_and_boolean_values_complete(vault: RuleVault) -> None:
    assert labels(vault, *at("conditions:\n  - field: order\n    op: g|\n")) == ["gt", "gte"]
    assert labels(vault, *at("enabled: |\n")) == ["true", "false"]


def test_emitted_events_come_from_loaded_rules_and_the_text(renderer: Renderer) -> None:
    path = EXAMPLE / ".vespera" / "rules" / "mood-music.yaml"
    loaded = parse_rule_file(path.name, path.read_text(encoding="utf-8"), renderer)
    text = "actions:\n  - type: emit_event\n    event: scene_done\n"
    assert emitted_events([loaded], text) == ("music_changed", "scene_done")
    assert emitted_events([], "actions: [") == ()


# -- hover -------------------------------------------------------------------------------------


def test_hover_on_a_key_gives_its_description() -> None:
    found = rule_hover(VALID, 3, 4)
    assert found is not None
    assert found.markdown.startswith("**codex_type**") and "codex types" in found.markdown
    assert found.range == Range(3, 2, 3, 12)


def test_hover_on_an_action_type_gives_its_summary_and_keys() -> None:
    found = rule_hover(VALID, 6, 12)
    assert found is not None
    assert found.markdown.startswith("**notify**: Show the writer a message")
    assert "`message` (required)" in found.markdown and "`level`" in found.markdown
    assert found.range == Range(6, 10, 6, 16)


def test_hover_on_an_event_type_gives_its_doc() -> None:
    found = rule_hover(VALID, 2, 12)
    assert found is not None and "tags were added, removed or changed" in found.markdown
    listed = "trigger:\n  event:\n    - note.created\n    - music_changed\n"
    custom = rule_hover(listed, 3, 8, ["music_changed"])
    assert custom is not None and "custom.vault.music_changed" in custom.markdown
    flow = rule_hover("trigger:\n  event: [note.created, note.deleted]\n", 1, 25)
    assert flow is not None and flow.markdown.startswith("**note.deleted**")


def test_no_hover_on_free_values() -> None:
    assert rule_hover(VALID, 0, 10) is None
    assert rule_hover(VALID, 7, 20) is None


def test_a_quoted_list_item_completes_inside_its_quotes(vault: RuleVault) -> None:
    text, line, column = at('trigger:\n  tags:\n    - "mood:|\n')
    found = rule_completions(text, line, column, vault)
    assert found is not None and found.suggestions[0].insert == "mood:*"
    assert found.range.start_char == len('    - "')


def test_a_chain_step_and_its_actions_have_their_places(vault: RuleVault) -> None:
    assert place_of(("chain_steps", ITEM)) == Place("step")
    assert place_of(("chain_steps", ITEM, "actions", ITEM)) == Place("action")
    assert place_of(("chain_steps", ITEM, "conditions", ITEM)) == Place("condition")
    text, line, column = at("name: x\nchain_steps:\n  - name: a\n    dep|\n")
    assert labels(vault, text, line, column) == ["depends_on"]
