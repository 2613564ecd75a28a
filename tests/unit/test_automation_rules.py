"""Rule files as the loader reads them: each mistake explained where it is, the rest still runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from vespera.automation.loader import (
    LoadedRule,
    RuleFile,
    load_rules,
    mark_duplicate_ids,
    parse_rule_file,
    read_rule_file,
)
from vespera.automation.rules import json_schema, slug
from vespera.automation.templates import Renderer
from vespera.codex.types import load_codex
from vespera.vault.model import Problem, Range

EXAMPLE_VAULT = Path(__file__).resolve().parents[2] / "docs" / "example-vault"
PATH = ".vespera/rules/scene.yaml"
NOTIFY = "actions:\n  - type: notify\n    message: hi\n"
GOOD = "name: Say hi\ntrigger:\n  event: tag_changed\n" + NOTIFY


def parse(text: str, path: str = PATH) -> RuleFile:
    return parse_rule_file(path, text, Renderer())


def only(text: str, path: str = PATH) -> LoadedRule:
    """The one rule of a file's text."""
    found = parse(text, path)
    assert found.problems == []
    (loaded,) = found.rules
    return loaded


def errors(loaded: LoadedRule) -> list[Problem]:
    return [p for p in loaded.problems if p.severity == "error"]


def one_error(text: str) -> Problem:
    """The single error of a file's single rule, which must be disabled by it."""
    loaded = only(text)
    assert loaded.rule is None and not loaded.runnable
    (problem,) = errors(loaded)
    assert problem.code == "rule-invalid"
    assert loaded.disabled_reason == problem.message
    return problem


def span_text(text: str, span: Range | None) -> str:
    """The text a one-line range covers."""
    assert span is not None and span.start_line == span.end_line
    return text.splitlines()[span.start_line][span.start_char : span.end_char]


# A valid rule


def test_a_valid_rule_is_runnable_with_no_problems() -> None:
    loaded = only(GOOD)
    assert loaded.runnable and loaded.rule is not None
    assert loaded.problems == [] and loaded.disabled_reason is None
    assert loaded.name == "Say hi" and loaded.file == PATH and loaded.index == 0


def test_a_single_trigger_and_single_values_become_lists() -> None:
    loaded = only(
        "name: r\ntrigger:\n  event: tag_changed\n  tags: 'mood:*'\n  to: tense\n" + NOTIFY
    )
    assert loaded.rule is not None
    (trigger,) = loaded.rule.trigger
    assert trigger.event == ["tag_changed"] and trigger.tags == ["mood:*"]
    assert trigger.to == ["tense"]


def test_a_disabled_rule_is_valid_but_not_runnable() -> None:
    loaded = only("name: Resting\nenabled: false\ntrigger: {event: tag_changed}\n" + NOTIFY)
    assert loaded.rule is not None and not loaded.runnable
    assert loaded.disabled_reason == "enabled: false"
    assert loaded.problems == []


# Unknown keys


def test_an_unknown_top_level_key_suggests_the_known_one_at_the_keys_range() -> None:
    text = "name: r\ntrigger: {event: tag_changed}\nactoins:\n  - type: notify\n    message: hi\n"
    loaded = only(text)
    messages = {p.message: p.range for p in errors(loaded)}
    assert "Unknown key 'actoins'. Did you mean 'actions'?" in messages
    assert messages["Unknown key 'actoins'. Did you mean 'actions'?"] == Range(2, 0, 2, 7)
    assert "actions: Field required" in messages  # the real key is still missing


def test_an_unknown_trigger_key_suggests_a_trigger_key() -> None:
    text = "name: r\ntrigger:\n  event: tag_changed\n  tagz: 'mood:*'\n" + NOTIFY
    problem = one_error(text)
    assert problem.message == "Unknown key 'tagz'. Did you mean 'tags'?"
    assert problem.range == Range(3, 2, 3, 6)
    assert span_text(text, problem.range) == "tagz"


def test_an_unknown_key_in_a_flow_mapping_points_at_that_key() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\nactions: [{type: notify, message: hi, lable: x}]\n"
    )
    problem = one_error(text)
    assert problem.message == "Unknown key 'lable'. Did you mean 'label'?"
    assert span_text(text, problem.range) == "lable"


def test_an_unknown_action_key_suggests_a_key_of_that_action() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\nactions:\n"
        "  - type: set_field\n    feild: music\n    value: x\n"
    )
    loaded = only(text)
    messages = [p.message for p in errors(loaded)]
    assert "Unknown key 'feild'. Did you mean 'field'?" in messages
    problem = next(p for p in errors(loaded) if p.message.startswith("Unknown key"))
    assert problem.range == Range(4, 4, 4, 9)


def test_an_unknown_key_of_a_nested_action_suggests_that_actions_keys() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\nactions:\n"
        "  - type: for_each\n    items: '${ [1] }'\n    actions:\n"
        "      - type: append_text\n        txt: hi\n"
    )
    loaded = only(text)
    problem = next(p for p in errors(loaded) if p.message.startswith("Unknown key"))
    assert problem.message == "Unknown key 'txt'. Did you mean 'text'?"
    assert span_text(text, problem.range) == "txt"


def test_an_unknown_key_with_nothing_close_has_no_suggestion() -> None:
    problem = one_error("name: r\ntrigger: {event: tag_changed}\ncolour: red\n" + NOTIFY)
    assert problem.message == "Unknown key 'colour'."


# Actions


def test_an_unknown_action_type_suggests_the_closest_and_lists_them_all() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\nactions:\n"
        "  - type: set_feild\n    field: x\n    value: 1\n"
    )
    problem = one_error(text)
    assert problem.message.startswith("Unknown action type 'set_feild'. Did you mean 'set_field'?")
    assert "Actions: set_field, unset_field" in problem.message and "for_each" in problem.message
    assert span_text(text, problem.range) == "set_feild"


def test_an_unknown_nested_action_type_is_found_too() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\nactions:\n"
        "  - type: for_each\n    items: '${ [1] }'\n    actions:\n      - type: notfy\n"
    )
    problem = one_error(text)
    assert "Unknown action type 'notfy'. Did you mean 'notify'?" in problem.message
    assert span_text(text, problem.range) == "notfy"


def test_an_action_without_a_type_says_it_needs_one() -> None:
    problem = one_error("name: r\ntrigger: {event: tag_changed}\nactions:\n  - message: hi\n")
    assert problem.message.startswith("actions.0: an action needs a 'type' (set_field")
    assert problem.range is not None and problem.range.start_line == 3


def test_an_action_missing_required_keys_names_each() -> None:
    loaded = only("name: r\ntrigger: {event: tag_changed}\nactions: [{type: set_field}]\n")
    assert sorted(p.message for p in errors(loaded)) == [
        "actions.0.field: Field required",
        "actions.0.value: Field required",
    ]


def test_emitting_a_built_in_event_is_refused() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\n"
        "actions: [{type: emit_event, event: tag_changed}]\n"
    )
    problem = one_error(text)
    assert "rules emit custom events only; 'tag_changed' is a built-in type" in problem.message
    assert span_text(text, problem.range) == "tag_changed"


def test_an_action_checked_beyond_its_schema_is_located_at_the_action() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\nactions:\n"
        "  - type: update_linked_codex\n    field: music\n"
    )
    problem = one_error(text)
    assert problem.message == "say how to choose the note: target_type, tags, where or query"
    assert problem.range is not None and problem.range.start_line == 3


def test_a_query_with_two_ways_to_look_is_refused() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\nactions:\n"
        "  - type: query\n    store_as: x\n    graph: 'MATCH (n) RETURN n'\n    linked_from: y\n"
    )
    assert one_error(text).message == "use one of graph, linked_from and backlinks_of"


# Missing parts


def test_a_rule_without_a_trigger_says_so_on_its_first_line() -> None:
    problem = one_error("name: r\n" + NOTIFY)
    assert problem.message == "trigger: Field required"
    assert problem.range is not None and problem.range.start_line == 0


def test_a_rule_without_actions_says_so() -> None:
    problem = one_error("name: r\ntrigger: {event: tag_changed}\n")
    assert problem.message == "actions: Field required"


def test_empty_trigger_and_action_lists_are_refused() -> None:
    text = "name: r\ntrigger: []\nactions: []\n"
    loaded = only(text)
    messages = sorted(p.message for p in errors(loaded))
    assert len(messages) == 2
    assert messages[0].startswith("actions: List should have at least 1 item")
    assert messages[1].startswith("trigger: List should have at least 1 item")


def test_a_rule_without_a_name_is_refused() -> None:
    loaded = only("trigger: {event: tag_changed}\n" + NOTIFY)
    assert [p.message for p in errors(loaded)] == ["name: Field required"]
    assert loaded.name == "rule 1"


# Triggers


def test_a_bad_tag_pattern_is_reported_at_its_value() -> None:
    text = "name: r\ntrigger: {event: tag_changed, tags: 'mood:very tense'}\n" + NOTIFY
    problem = one_error(text)
    assert problem.message == "trigger.0.tags: a tag has no spaces: 'mood:very tense'"
    assert span_text(text, problem.range) == "'mood:very tense'"


def test_a_bad_removed_tag_pattern_is_reported() -> None:
    problem = one_error("name: r\ntrigger: {event: tag_changed, removed_tags: '|'}\n" + NOTIFY)
    assert "removed_tags" in problem.message and "at least one tag" in problem.message


def test_an_unknown_event_type_is_reported_with_the_known_types() -> None:
    text = "name: r\ntrigger: {event: Tag Changed}\n" + NOTIFY
    problem = one_error(text)
    assert problem.message.startswith("trigger.0.event: 'Tag Changed' is not an event type")
    assert "tag_changed" in problem.message and "status_changed" in problem.message
    assert span_text(text, problem.range) == "Tag Changed"


def test_an_event_glob_matching_nothing_is_reported() -> None:
    problem = one_error("name: r\ntrigger: {event: 'nothing.*'}\n" + NOTIFY)
    assert "'nothing.*' matches no event type" in problem.message


def test_a_bad_trigger_of_several_is_located_in_its_list_item() -> None:
    text = (
        "name: r\ntrigger:\n  - event: tag_changed\n  - event: status_changed\n"
        "    tags: 'a b'\n" + NOTIFY
    )
    problem = one_error(text)
    assert problem.message.startswith("trigger.1.tags:")
    assert span_text(text, problem.range) == "'a b'"


def test_an_unknown_codex_type_is_a_warning_with_a_suggestion() -> None:
    text = "name: r\ntrigger: {event: tag_changed, codex_type: scnee}\n" + NOTIFY
    found = parse_rule_file(PATH, text, Renderer(), load_codex(EXAMPLE_VAULT))
    (loaded,) = found.rules
    assert loaded.runnable  # the type may be defined later
    (problem,) = loaded.problems
    assert problem.severity == "warning"
    assert problem.message == "No codex type 'scnee' in this vault. Did you mean 'scene'?"
    assert span_text(text, problem.range) == "scnee"


def test_a_known_codex_type_has_no_warning() -> None:
    text = "name: r\ntrigger: {event: tag_changed, codex_type: Scene}\n" + NOTIFY
    found = parse_rule_file(PATH, text, Renderer(), load_codex(EXAMPLE_VAULT))
    assert found.rules[0].problems == []


# Templates and conditions


def test_a_template_syntax_error_is_reported_at_its_value() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\nactions:\n"
        "  - type: notify\n    message: 'Now ${ note.title '\n"
    )
    problem = one_error(text)
    assert problem.message == "Template error: '${' is never closed"
    assert span_text(text, problem.range) == "'Now ${ note.title '"


def test_a_template_error_in_a_block_scalar_covers_the_block() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\nactions:\n"
        "  - type: notify\n    message: |\n      line one\n      ${ note.title ) }\n"
    )
    problem = one_error(text)
    assert problem.message == "Template error: unexpected ')'"
    assert problem.range is not None
    assert (problem.range.start_line, problem.range.start_char) == (4, 13)
    assert problem.range.end_line >= 6


def test_a_template_error_in_a_nested_action_is_found() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\nactions:\n"
        "  - type: for_each\n    items: '${ [1] }'\n    actions:\n"
        "      - type: notify\n        message: '{{ item + }}'\n"
    )
    problem = one_error(text)
    assert problem.message.startswith("Template error:")
    assert problem.range is not None and problem.range.start_line == 7


def test_a_condition_that_is_not_an_expression_is_reported() -> None:
    text = "name: r\ntrigger: {event: tag_changed}\nconditions:\n  - 'note.title =='\n" + NOTIFY
    problem = one_error(text)
    assert problem.message.startswith("Condition: ")
    assert span_text(text, problem.range) == "'note.title =='"


def test_a_bad_expression_inside_all_is_found() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\nconditions:\n"
        "  - all:\n    - 'note.title =='\n" + NOTIFY
    )
    problem = one_error(text)
    assert problem.message.startswith("Condition: ")
    assert problem.range is not None and problem.range.start_line == 4


def test_a_condition_of_no_known_shape_lists_the_shapes() -> None:
    text = "name: r\ntrigger: {event: tag_changed}\nconditions:\n  - {foo: bar}\n" + NOTIFY
    problem = one_error(text)
    assert problem.message == (
        "conditions.0: a condition is a template expression, or a mapping with one of: "
        "field, has_tag, has_link, count, all, any, not"
    )
    assert span_text(text, problem.range) == "{foo: bar}"


def test_a_condition_with_an_unknown_operator_lists_the_operators() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\nconditions:\n"
        "  - {field: order, op: bigger, value: 1}\n" + NOTIFY
    )
    problem = one_error(text)
    assert problem.message.startswith("conditions.0.op: Input should be 'eq'")
    assert span_text(text, problem.range) == "bigger"


def test_a_condition_with_an_extra_key_suggests_a_condition_key() -> None:
    text = (
        "name: r\ntrigger: {event: tag_changed}\nconditions:\n"
        "  - {has_link: music, too: '[[X]]'}\n" + NOTIFY
    )
    problem = one_error(text)
    assert problem.message == "Unknown key 'too'. Did you mean 'to'?"


def test_conditions_of_every_shape_load() -> None:
    loaded = only(
        "name: r\ntrigger: {event: tag_changed}\nconditions:\n"
        "  - has_link: music\n"
        "  - {has_link: music, to: '[[Forest Sounds]]'}\n"
        "  - has_tag: 'status:draft|status:revised'\n"
        "  - {field: order, op: gt, value: 2}\n"
        "  - {count: characters, op: gte, value: 2}\n"
        "  - 'note.fields.order > 2'\n"
        "  - any:\n      - has_tag: 'mood:tense'\n      - not: {has_tag: 'status:idea'}\n" + NOTIFY
    )
    assert loaded.runnable
    assert loaded.rule is not None and len(loaded.rule.conditions) == 7


# Files


def test_an_invalid_rule_in_a_list_file_leaves_the_others_runnable() -> None:
    text = (
        "- name: Good one\n  trigger: {event: tag_changed}\n"
        "  actions: [{type: notify, message: hi}]\n"
        "- name: Bad one\n  trigger: {event: tag_changed}\n  actions: [{type: nope}]\n"
        "- name: Good two\n  trigger: {event: status_changed}\n"
        "  actions: [{type: notify, message: hi}]\n"
    )
    found = parse(text, ".vespera/rules/list.yaml")
    assert [(r.id, r.runnable) for r in found.rules] == [
        ("list/good-one", True),
        ("list/bad-one", False),
        ("list/good-two", True),
    ]
    (problem,) = found.rules[1].problems
    assert problem.message.startswith("Unknown action type 'nope'.")
    assert span_text(text, problem.range) == "nope"
    assert [r.index for r in found.rules] == [0, 1, 2]
    assert found.all_problems() == [problem]


def test_a_list_item_that_is_not_a_mapping_is_its_own_problem() -> None:
    text = (
        "- 3\n- name: ok\n  trigger: {event: tag_changed}\n"
        "  actions: [{type: notify, message: hi}]\n"
    )
    found = parse(text)
    assert [r.runnable for r in found.rules] == [False, True]
    (problem,) = found.rules[0].problems
    assert problem.message == "A rule is a mapping (name, trigger, actions)."
    assert problem.range == Range(0, 2, 0, 3)


def test_rules_of_a_file_sharing_an_id_disable_all_but_the_first() -> None:
    rule = "  trigger: {event: tag_changed}\n  actions: [{type: notify, message: hi}]\n"
    text = f"- id: same\n  name: A\n{rule}- id: same\n  name: B\n{rule}"
    first, second = parse(text).rules
    assert first.runnable and not second.runnable
    assert second.disabled_reason == "Another rule of this file has the id 'same'."


def test_names_that_slug_alike_give_the_same_id_and_the_second_is_disabled() -> None:
    rule = "  trigger: {event: tag_changed}\n  actions: [{type: notify, message: hi}]\n"
    first, second = parse(f"- name: Mood music\n{rule}- name: mood MUSIC!\n{rule}").rules
    assert first.id == second.id == "scene/mood-music"
    assert first.runnable and not second.runnable


def test_an_id_used_in_an_earlier_file_disables_the_later_rule() -> None:
    rule = "id: shared\ntrigger: {event: tag_changed}\n" + NOTIFY
    early = parse("name: A\n" + rule, ".vespera/rules/a.yaml")
    late = parse("name: B\n" + rule, ".vespera/rules/b.yaml")
    mark_duplicate_ids([late, early])
    assert early.rules[0].runnable
    assert not late.rules[0].runnable
    assert "already used in .vespera/rules/a.yaml" in (late.rules[0].disabled_reason or "")


def test_a_yaml_syntax_error_is_reported_where_the_parser_stopped() -> None:
    found = parse("name: r\ntrigger: {event: tag_changed\nactions: []\n")
    assert found.rules == []
    (problem,) = found.problems
    assert problem.message.startswith("Not valid YAML: expected ',' or '}'")
    assert problem.range == Range(2, 7, 2, 8)


def test_a_yaml_indentation_error_is_reported_at_its_line() -> None:
    (problem,) = parse("name: r\n  b: c\n").problems
    assert problem.message == "Not valid YAML: mapping values are not allowed here."
    assert problem.range == Range(1, 3, 1, 4)


@pytest.mark.parametrize("text", ["just a string\n", "42\n", "true\n"])
def test_a_file_that_is_neither_a_rule_nor_a_list_is_refused(text: str) -> None:
    found = parse(text)
    assert found.rules == []
    (problem,) = found.problems
    assert problem.severity == "error"
    assert problem.message == "A rule file holds one rule (a mapping) or a list of rules."


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_an_empty_file_is_a_warning_and_no_rule(text: str) -> None:
    found = parse(text)
    assert found.rules == []
    (problem,) = found.problems
    assert problem.severity == "warning" and problem.message == "The file holds no rule."


# Ids and versions


def test_a_single_rule_takes_its_id_from_the_file_name() -> None:
    assert only(GOOD, ".vespera/rules/mood-music.yaml").id == "mood-music"
    assert only(GOOD, ".vespera/rules/sub/Scene_final.v2.yml").id == "Scene_final.v2"


def test_a_file_name_that_is_no_valid_id_is_made_a_slug() -> None:
    # The id becomes the actor automation:<id>, which allows no spaces or accents.
    assert only(GOOD, ".vespera/rules/Mood Music.yaml").id == "mood-music"
    assert only(GOOD, ".vespera/rules/Élan vital.yaml").id == "lan-vital"
    assert only(GOOD, ".vespera/rules/é.yaml").id == "rule"
    rule = "  trigger: {event: tag_changed}\n  actions: [{type: notify, message: hi}]\n"
    found = parse(f"- name: A\n{rule}- name: B\n{rule}", ".vespera/rules/My rules.yaml")
    assert [r.id for r in found.rules] == ["my-rules/a", "my-rules/b"]


def test_a_rule_in_a_list_takes_file_and_name_slug() -> None:
    rule = "  trigger: {event: tag_changed}\n  actions: [{type: notify, message: hi}]\n"
    found = parse(f"- name: Scene Mood → Music!\n{rule}- name: Other\n{rule}", PATH)
    assert [r.id for r in found.rules] == ["scene/scene-mood-music", "scene/other"]


def test_a_given_id_wins_over_the_derived_one() -> None:
    assert only("id: music/mood\n" + GOOD).id == "music/mood"


def test_an_id_with_spaces_is_refused() -> None:
    problem = one_error("id: 'bad id'\n" + GOOD)
    assert problem.message.startswith("id: String should match pattern")


def test_slug_keeps_letters_and_digits_only() -> None:
    assert slug("Scene Mood → Music (v2)!") == "scene-mood-music-v2"
    assert slug("!!!") == "rule"


def test_the_rule_version_changes_when_the_rule_changes() -> None:
    before = only(GOOD).version
    assert only(GOOD.replace("message: hi", "message: hello")).version != before
    assert only(GOOD.replace("tag_changed", "status_changed")).version != before
    assert only("enabled: false\n" + GOOD).version != before


def test_the_rule_version_ignores_comments_and_layout() -> None:
    before = only(GOOD).version
    reformatted = (
        "# greets\nname: 'Say hi'\ntrigger: {event: tag_changed}\n"
        "actions: [{type: notify, message: hi}]  # inline\n"
    )
    assert only(reformatted).version == before
    assert len(before) == 12


# Reading from disk


def test_rule_files_are_read_from_the_rules_folder_in_path_order(tmp_path: Path) -> None:
    folder = tmp_path / ".vespera" / "rules"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "sub" / "c.yml").write_text(GOOD, encoding="utf-8")
    (folder / "a.yaml").write_text("name: r\n", encoding="utf-8")
    (folder / "notes.txt").write_text(GOOD, encoding="utf-8")
    found = load_rules(tmp_path, Renderer())
    assert [f.path for f in found] == [
        ".vespera/rules/a.yaml",
        ".vespera/rules/b.yaml",
        ".vespera/rules/sub/c.yml",
    ]
    assert [r.runnable for f in found for r in f.rules] == [False, True, True]


def test_same_named_files_in_two_folders_clash_and_the_later_is_disabled(tmp_path: Path) -> None:
    folder = tmp_path / ".vespera" / "rules"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "sub" / "a.yml").write_text(GOOD, encoding="utf-8")
    first, second = (f.rules[0] for f in load_rules(tmp_path, Renderer()))
    assert first.id == second.id == "a"
    assert first.runnable and not second.runnable
    assert "already used in .vespera/rules/a.yaml" in (second.disabled_reason or "")


def test_a_vault_without_rules_has_no_rule_files(tmp_path: Path) -> None:
    assert load_rules(tmp_path, Renderer()) == []


def test_an_unreadable_rule_file_is_one_problem(tmp_path: Path) -> None:
    rel = ".vespera/rules/bad.yaml"
    (tmp_path / ".vespera" / "rules").mkdir(parents=True)
    (tmp_path / rel).write_bytes(b"name: \xff\xfe\n")
    found = read_rule_file(tmp_path, rel, Renderer(), None)
    assert found.rules == []
    (problem,) = found.problems
    assert problem.message.startswith("Cannot read this rule file:")


def test_the_example_vaults_rules_all_load_without_problems() -> None:
    found = load_rules(EXAMPLE_VAULT, Renderer(), load_codex(EXAMPLE_VAULT))
    assert {r.id for f in found for r in f.rules} == {
        "character-development",
        "final-scenes-are-frozen",
        "mood-music",
        "scene-final",
    }
    assert all(r.runnable and r.problems == [] for f in found for r in f.rules)


def test_the_schema_accepts_one_rule_or_a_list() -> None:
    schema = json_schema()
    assert schema["oneOf"][0] == {"$ref": "#/$defs/Rule"}
    assert schema["oneOf"][1]["type"] == "array"
    assert "Trigger" in schema["$defs"] and "from" in schema["$defs"]["Trigger"]["properties"]


def test_a_field_the_rules_codex_type_lacks_is_a_warning_at_its_value() -> None:
    text = (
        "name: r\n"
        "trigger: {event: field_changed, codex_type: scene, field: musik}\n"
        "conditions:\n  - has_link: charaters\n"
        "actions:\n  - type: set_field\n    field: moood\n    value: 1\n"
        "  - type: set_field\n    note: Music/Fog Bells.md\n    field: anything\n    value: 1\n"
    )
    found = parse_rule_file(PATH, text, Renderer(), load_codex(EXAMPLE_VAULT))
    (rule,) = found.rules
    assert rule.runnable  # warnings only: a note may carry fields its type does not list
    assert [(p.severity, p.message, p.range) for p in rule.problems] == [
        (
            "warning",
            "No field 'musik' in codex type scene. Did you mean 'music'?",
            Range(1, 58, 1, 63),
        ),
        (
            "warning",
            "No field 'charaters' in codex type scene. Did you mean 'characters'?",
            Range(3, 14, 3, 23),
        ),
        ("warning", "No field 'moood' in codex type scene.", Range(6, 11, 6, 16)),
    ]


def test_fields_every_note_may_have_and_untyped_triggers_are_not_checked() -> None:
    typed = "name: r\ntrigger: {event: tag_changed, codex_type: scene}\n"
    untyped = "name: r\ntrigger: {event: tag_changed}\n"
    action = "actions:\n  - type: set_field\n    field: status\n    value: final\n"
    other = "actions:\n  - type: set_field\n    field: whatever\n    value: 1\n"
    codex = load_codex(EXAMPLE_VAULT)
    for text in (typed + action, untyped + other):
        (rule,) = parse_rule_file(PATH, text, Renderer(), codex).rules
        assert rule.problems == []


# Chains

CHAIN = (
    "name: c\ntrigger: {event: tag_changed}\nchain_steps:\n"
    "  - {name: first, step: 1, actions: [{type: notify, message: a}]}\n"
    "  - {name: second, depends_on: 1, actions: [{type: notify, message: b}]}\n"
    "  - {name: third, depends_on: [1], actions: [{type: notify, message: c}]}\n"
    "  - {name: last, depends_on: [second, third], actions: [{type: notify, message: d}]}\n"
)


def test_a_chain_orders_its_steps_in_generations() -> None:
    loaded = only(CHAIN)
    assert loaded.rule is not None and loaded.rule.actions == []
    assert loaded.rule.chain_order() == [[0], [1, 2], [3]]
    assert loaded.rule.rollback_strategy == "reverse_completed_steps"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "depends_on: [second, third]",
            "depends_on: [second, fourth]",
            "step 'last' depends on 'fourth': no such step ('1', 'second', 'third', 'last')",
        ),
        (
            "depends_on: 1,",
            "depends_on: last,",
            "the steps 'second', 'last' depend on each other in a circle",
        ),
    ],
)
def test_a_chain_with_a_bad_dependency_is_refused_at_its_steps(
    old: str, new: str, message: str
) -> None:
    problem = one_error(CHAIN.replace(old, new))
    assert problem.message == message
    assert span_text(CHAIN, problem.range) == "chain_steps"


def test_a_rule_has_actions_or_chain_steps_but_not_both() -> None:
    problem = one_error(CHAIN + NOTIFY)
    assert problem.message == "a rule has either actions or chain_steps, not both"
    assert one_error("name: c\ntrigger: {event: tag_changed}\nchain_steps: []\n").message == (
        "a rule needs actions, or chain_steps"
    )


def test_a_typo_in_a_step_suggests_a_step_key_and_its_actions_are_checked() -> None:
    text = CHAIN.replace("depends_on: [1]", "depend_on: [1]")
    problem = one_error(text)
    assert problem.message == "Unknown key 'depend_on'. Did you mean 'depends_on'?"
    text = CHAIN.replace("message: d", "message: '${x'")
    problem = one_error(text)
    assert problem.message.startswith("Template error")


def test_rollback_strategy_may_be_written_as_in_the_design() -> None:
    loaded = only(CHAIN + "rollback_strategy: {on_failure: none}\n")
    assert loaded.rule is not None and loaded.rule.rollback_strategy == "none"
