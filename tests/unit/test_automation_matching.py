"""Which rules an event starts: tag patterns, path globs, event names and every trigger filter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from vespera.automation.loader import LoadedRule, parse_rule_file
from vespera.automation.matcher import (
    Match,
    NoteFacts,
    RuleIndex,
    TagChange,
    trigger_matches,
    trigger_scope,
)
from vespera.automation.patterns import (
    any_tag_matches,
    check_tag_pattern,
    literal_tag,
    path_matches,
    tag_matcher,
    tag_matches,
)
from vespera.automation.rules import Trigger, event_type_name, short_event_name
from vespera.automation.templates import Renderer
from vespera_protocol.events import EVENT_TYPES, Event

ROAD = "Scenes/The Road to Ashwood.md"
SCENE = NoteFacts("scene", ["mood:tense", "status:draft"])


def event(
    kind: str,
    data: dict[str, Any] | None = None,
    subject: str = ROAD,
    actor: str = "user",
) -> Event:
    """An event as the log would hand it to the engine."""
    return Event(
        specversion="1.0",
        id="0190a1b2-0000-7000-8000-000000000001",
        type=kind,
        source="file:///v",
        subject=subject,
        time="2024-05-01T09:30:00Z",
        actor=actor,
        correlationid="0190a1b2-0000-7000-8000-000000000001",
        data=data or {},
    )


def tag(name: str) -> dict[str, Any]:
    """A tag as a ``tag_changed`` payload names it."""
    key, _, value = name.partition(":")
    return {"name": name, "key": key if value else None, "value": value or None}


def tags_changed(
    added: tuple[str, ...] = (),
    removed: tuple[str, ...] = (),
    changed: tuple[tuple[str, str, str], ...] = (),
) -> Event:
    """A ``tag_changed`` event with tags added, removed and key values changed."""
    return event(
        "tag_changed",
        {
            "added": [tag(t) for t in added],
            "removed": [tag(t) for t in removed],
            "changed": [{"key": k, "old": o, "new": n} for k, o, n in changed],
        },
    )


MOOD_TENSE = tags_changed(changed=(("mood", "peaceful", "tense"),))


def trigger(**keys: Any) -> Trigger:
    """A trigger as a rule file would give it."""
    return Trigger.model_validate(keys)


def facts(found: NoteFacts = SCENE) -> Callable[[], NoteFacts]:
    return lambda: found


def unread() -> NoteFacts:
    raise AssertionError("the note's facts were read, but no filter needs them")


def matches(trig: Trigger, ev: Event, note: NoteFacts = SCENE) -> bool:
    return trigger_matches(trig, ev, facts(note))[0]


def matched_tag(trig: Trigger, ev: Event) -> TagChange | None:
    ok, change = trigger_matches(trig, ev, facts())
    assert ok
    return change


def load(text: str, path: str = ".vespera/rules/r.yaml") -> list[LoadedRule]:
    """The rules of a rule file's text."""
    return parse_rule_file(path, text, Renderer()).rules


def rule(trigger_yaml: str, name: str = "r", rule_id: str | None = None) -> LoadedRule:
    """A runnable rule (its id its name) with the given trigger (YAML) and one notify action."""
    id_line = f"id: {rule_id}\n" if rule_id else ""
    text = f"name: {name}\n{id_line}trigger:\n{trigger_yaml}"
    text += "actions:\n  - type: notify\n    message: hi\n"
    (loaded,) = load(text, f".vespera/rules/{name}.yaml")
    assert loaded.runnable, loaded.problems
    return loaded


def started(index: RuleIndex, ev: Event, note: NoteFacts = SCENE) -> list[str]:
    return [m.rule.id for m in index.match(ev, facts(note))]


# Tag patterns


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("mood:*", "mood:tense", True),
        ("mood:*", "mood:", True),
        ("mood:*", "mood", False),
        ("mood:*", "moody:tense", False),
        ("status:final", "status:final", True),
        ("status:final", "status:finalised", False),
        ("v?", "v1", True),
        ("v?", "v12", False),
        ("project/*", "project/alpha", True),
    ],
)
def test_a_tag_glob_matches_whole_tag_names(pattern: str, name: str, expected: bool) -> None:
    assert tag_matches(pattern, name) is expected


def test_alternatives_match_either_tag_and_nothing_else() -> None:
    pattern = "emotion:scared|state:frightened"
    assert tag_matches(pattern, "emotion:scared")
    assert tag_matches(pattern, "state:frightened")
    assert not tag_matches(pattern, "emotion:happy")
    assert not tag_matches(pattern, "emotion:scared|state:frightened")


def test_a_leading_hash_is_optional_in_the_pattern_and_the_tag() -> None:
    assert tag_matches("#status:final", "status:final")
    assert tag_matches("status:final", "#status:final")
    assert tag_matches("#mood:*|#state:*", "#state:calm")


def test_tags_compare_without_case() -> None:
    assert tag_matches("Mood:Tense", "mood:TENSE")
    assert tag_matches("mood:*", "MOOD:Peaceful")


def test_any_tag_matches_some_tag_against_some_pattern() -> None:
    assert any_tag_matches(["status:final", "mood:*"], ["#draft", "Mood:calm"])
    assert not any_tag_matches(["status:final"], ["status:draft", "final"])
    assert not any_tag_matches([], ["mood:calm"])


def test_regex_characters_in_a_pattern_are_literal() -> None:
    assert tag_matches("c++", "c++")
    assert not tag_matches("c++", "cc")
    assert not tag_matches("a.b", "axb")


def test_a_literal_tag_is_the_one_tag_a_plain_pattern_names() -> None:
    assert literal_tag("#Status:Final") == "status:final"
    assert literal_tag("mood:*") is None
    assert literal_tag("a|b") is None


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("", "at least one tag"),
        ("|", "at least one tag"),
        (" # ", "at least one tag"),
        ("#|  |#", "at least one tag"),
        ("mood:very tense", "no spaces"),
        ("ok|not ok", "no spaces"),
    ],
)
def test_a_bad_tag_pattern_is_explained(pattern: str, fragment: str) -> None:
    problem = check_tag_pattern(pattern)
    assert problem is not None and fragment in problem


def test_a_good_tag_pattern_has_no_problem() -> None:
    assert check_tag_pattern("mood:*|#state:frightened") is None


def test_an_empty_pattern_cannot_be_compiled() -> None:
    with pytest.raises(ValueError, match="at least one tag"):
        tag_matcher("  |  ")


# Path globs


@pytest.mark.parametrize(
    ("glob", "path", "expected"),
    [
        ("Scenes/**", "Scenes/The Storm.md", True),
        ("Scenes/**", "Scenes/Act 1/Dawn.md", True),
        ("Scenes/**", "Old/Scenes/Dawn.md", False),
        ("Scenes/*.md", "Scenes/The Storm.md", True),
        ("Scenes/*.md", "Scenes/Act 1/Dawn.md", False),
        ("*.md", "Story Outline.md", True),
        ("*.md", "Scenes/The Storm.md", False),
        ("**/*.md", "Story Outline.md", True),
        ("**/*.md", "Scenes/Act 1/Dawn.md", True),
        ("Scenes/**/Dawn.md", "Scenes/Dawn.md", True),
        ("Scenes/**/Dawn.md", "Scenes/Act 1/Part 2/Dawn.md", True),
        ("Scenes/**/Dawn.md", "Scenes/Act 1/Dusk.md", False),
        ("Scenes/", "Scenes/Act 1/Dawn.md", True),
        ("/Scenes/*.md", "Scenes/The Storm.md", True),
        ("Scenes/Dawn?.md", "Scenes/Dawn2.md", True),
        ("Scenes/Dawn?.md", "Scenes/Dawn/.md", False),
        ("Notes (old)/*.md", "Notes (old)/a.md", True),
    ],
)
def test_path_globs_keep_star_within_a_folder_and_let_double_star_cross(
    glob: str, path: str, expected: bool
) -> None:
    assert path_matches(glob, path) is expected


# Event names in rules


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_a_built_in_event_type_names_itself(name: str) -> None:
    assert event_type_name(name) == name
    assert short_event_name(name) == name


def test_a_bare_custom_name_is_a_custom_event_of_the_vault() -> None:
    assert event_type_name("music_changed") == "custom.vault.music_changed"
    assert event_type_name(" music_changed ") == "custom.vault.music_changed"
    assert short_event_name("custom.vault.music_changed") == "music_changed"


def test_a_full_custom_name_keeps_its_namespace() -> None:
    assert event_type_name("custom.studio.export_done") == "custom.studio.export_done"
    assert short_event_name("custom.studio.export_done") == "custom.studio.export_done"


@pytest.mark.parametrize("glob", ["note.*", "*_changed", "task_*", "custom.*"])
def test_event_globs_are_kept_as_written(glob: str) -> None:
    assert event_type_name(glob) == glob


def test_a_glob_that_matches_no_event_type_is_refused() -> None:
    with pytest.raises(ValueError, match="matches no event type"):
        event_type_name("nothing.*")


@pytest.mark.parametrize("name", ["Music_Changed", "music changed", "2fast", "custom.bare", ""])
def test_an_invalid_event_name_is_refused_with_the_list_of_types(name: str) -> None:
    with pytest.raises(ValueError, match="is not an event type") as info:
        event_type_name(name)
    assert "tag_changed" in str(info.value)


# Event types


def test_a_rule_meets_only_events_of_its_type() -> None:
    index = RuleIndex([rule("  event: status_changed\n")])
    assert started(index, event("status_changed", {"old": "a", "new": "b"})) == ["r"]
    assert started(index, MOOD_TENSE) == []


def test_an_event_glob_matches_every_type_it_covers() -> None:
    index = RuleIndex([rule("  event: note.*\n")])
    assert started(index, event("note.created", {"title": "x"})) == ["r"]
    assert started(index, event("note.deleted", {"title": "x"})) == ["r"]
    assert started(index, MOOD_TENSE) == []


def test_a_custom_event_is_matched_by_its_bare_or_full_name() -> None:
    bare = rule("  event: music_changed\n", name="bare")
    full = rule("  event: custom.vault.music_changed\n", name="full")
    glob = rule("  event: custom.*\n", name="glob")
    index = RuleIndex([bare, full, glob])
    emitted = event("custom.vault.music_changed", {"values": {}}, actor="automation:mood")
    assert started(index, emitted) == ["bare", "full", "glob"]
    assert started(index, event("custom.vault.other", {"values": {}})) == ["glob"]


def test_a_trigger_listing_several_events_matches_each() -> None:
    index = RuleIndex([rule("  event: [status_changed, task_completed]\n")])
    assert started(index, event("status_changed", {"new": "done"})) == ["r"]
    assert started(index, event("task_completed", {"text": "x"})) == ["r"]
    assert started(index, event("field_changed", {"field": "a"})) == []


# codex_type


def test_codex_type_keeps_notes_of_that_type_only() -> None:
    trig = trigger(event="tag_changed", codex_type="scene")
    assert matches(trig, MOOD_TENSE, NoteFacts("scene", []))
    assert matches(trig, MOOD_TENSE, NoteFacts("Scene", []))
    assert not matches(trig, MOOD_TENSE, NoteFacts("character", []))
    assert not matches(trig, MOOD_TENSE, NoteFacts(None, []))


def test_codex_type_may_name_several_types() -> None:
    trig = trigger(event="tag_changed", codex_type=["scene", "chapter"])
    assert matches(trig, MOOD_TENSE, NoteFacts("chapter", []))
    assert not matches(trig, MOOD_TENSE, NoteFacts("task", []))


def test_the_note_is_not_read_when_no_filter_needs_it() -> None:
    trig = trigger(event="tag_changed", tags="mood:*", paths="Scenes/**")
    assert trigger_matches(trig, MOOD_TENSE, unread)[0]


def test_the_index_skips_typed_rules_of_other_codex_types() -> None:
    scenes = rule("  event: tag_changed\n  codex_type: scene\n", name="scenes")
    tasks = rule("  event: tag_changed\n  codex_type: task\n", name="tasks")
    index = RuleIndex([scenes, tasks])
    assert started(index, MOOD_TENSE, NoteFacts("task", [])) == ["tasks"]
    assert started(index, MOOD_TENSE, NoteFacts(None, [])) == []


# Tags on tag_changed


def test_tags_match_a_tag_that_was_added() -> None:
    trig = trigger(event="tag_changed", tags="status:final")
    assert matches(trig, tags_changed(added=("status:final",)))
    assert not matches(trig, tags_changed(added=("status:draft",)))


def test_tags_do_not_match_a_tag_that_was_only_removed() -> None:
    trig = trigger(event="tag_changed", tags="status:final")
    assert not matches(trig, tags_changed(removed=("status:final",)))


def test_tags_match_the_new_value_of_a_changed_key() -> None:
    trig = trigger(event="tag_changed", tags="mood:*")
    assert matched_tag(trig, MOOD_TENSE) == TagChange("mood", "peaceful", "tense", "mood:tense")
    assert matches(trigger(event="tag_changed", tags="mood:tense"), MOOD_TENSE)
    assert not matches(trigger(event="tag_changed", tags="mood:peaceful"), MOOD_TENSE)


def test_tags_report_a_plain_added_tag_with_no_old_value() -> None:
    trig = trigger(event="tag_changed", tags="review")
    assert matched_tag(trig, tags_changed(added=("review",))) == TagChange(
        None, None, None, "review"
    )
    assert matched_tag(trig, tags_changed(added=("#Review",))) == TagChange(
        None, None, None, "#Review"
    )


def test_tags_match_an_alternative_among_several_added_tags() -> None:
    trig = trigger(event="tag_changed", tags="emotion:scared|state:frightened")
    found = matched_tag(trig, tags_changed(added=("weather:fog", "state:frightened")))
    assert found is not None and found.name == "state:frightened"


def test_from_and_to_narrow_a_key_value_change() -> None:
    assert matches(trigger(event="tag_changed", tags="mood:*", to="tense"), MOOD_TENSE)
    assert matches(
        trigger(event="tag_changed", tags="mood:*", **{"from": "peaceful", "to": "tense"}),
        MOOD_TENSE,
    )
    assert matches(trigger(event="tag_changed", tags="mood:*", to="TENSE"), MOOD_TENSE)
    assert not matches(trigger(event="tag_changed", tags="mood:*", to="joyful"), MOOD_TENSE)
    assert not matches(trigger(event="tag_changed", tags="mood:*", **{"from": "tense"}), MOOD_TENSE)


def test_from_and_to_alone_find_the_change_with_those_values() -> None:
    ev = tags_changed(
        added=("review",), changed=(("status", "draft", "final"), ("mood", "peaceful", "tense"))
    )
    found = matched_tag(trigger(event="tag_changed", **{"from": "peaceful", "to": "tense"}), ev)
    assert found == TagChange("mood", "peaceful", "tense", "mood:tense")
    assert not matches(trigger(event="tag_changed", to="joyful"), ev)


def test_from_does_not_match_a_tag_that_was_newly_added() -> None:
    trig = trigger(event="tag_changed", tags="status:*", **{"from": "draft"})
    assert not matches(trig, tags_changed(added=("status:final",)))


def test_removed_tags_match_a_removed_tag() -> None:
    trig = trigger(event="tag_changed", removed_tags="#draft")
    assert matched_tag(trig, tags_changed(removed=("draft",))) == TagChange(
        None, None, None, "draft"
    )
    assert not matches(trig, tags_changed(added=("draft",)))


def test_removed_tags_match_the_old_value_of_a_changed_key() -> None:
    trig = trigger(event="tag_changed", removed_tags="mood:peaceful")
    assert matched_tag(trig, MOOD_TENSE) == TagChange("mood", "peaceful", "tense", "mood:peaceful")
    assert not matches(trigger(event="tag_changed", removed_tags="mood:tense"), MOOD_TENSE)


def test_tags_and_removed_tags_must_both_match() -> None:
    trig = trigger(event="tag_changed", tags="status:final", removed_tags="status:draft")
    ev = tags_changed(changed=(("status", "draft", "final"),))
    assert matched_tag(trig, ev) == TagChange("status", "draft", "final", "status:final")
    assert not matches(trig, tags_changed(added=("status:final",)))


def test_a_tag_changed_trigger_without_filters_reports_the_first_change() -> None:
    ev = tags_changed(added=("review",), removed=("draft",))
    assert matched_tag(trigger(event="tag_changed"), ev) == TagChange(None, None, None, "review")


def test_the_index_passes_over_tag_triggers_whose_keys_did_not_change() -> None:
    index = RuleIndex([rule("  event: tag_changed\n  tags: 'status:final|review'\n")])
    assert started(index, MOOD_TENSE) == []
    assert started(index, tags_changed(added=("Review",))) == ["r"]


# Tags on other events


def test_tags_on_other_events_are_the_notes_tags() -> None:
    trig = trigger(event="task_completed", tags="character-development")
    done = event("task_completed", {"text": "Develop Alice"})
    assert matches(trig, done, NoteFacts("task", ["task", "Character-Development"]))
    assert not matches(trig, done, NoteFacts("task", ["task"]))


def test_tags_on_other_events_take_alternatives_and_globs() -> None:
    trig = trigger(event="status_changed", tags="mood:*|#urgent")
    changed = event("status_changed", {"old": "draft", "new": "final"})
    assert matches(trig, changed, NoteFacts("scene", ["urgent"]))
    assert matches(trig, changed, NoteFacts("scene", ["mood:calm"]))
    assert not matches(trig, changed, NoteFacts("scene", ["status:final"]))


def test_removed_tags_never_match_other_events() -> None:
    trig = trigger(event="status_changed", removed_tags="status:draft")
    assert not matches(trig, event("status_changed", {"old": "draft", "new": "final"}))


# paths


def test_paths_keep_events_of_notes_under_the_glob() -> None:
    trig = trigger(event="tag_changed", paths=["Scenes/**", "Drafts/*.md"])
    assert matches(trig, MOOD_TENSE)
    moved = tags_changed(added=("x",))
    assert matches(trig, Event(**{**_fields(moved), "subject": "Drafts/a.md"}))
    assert not matches(trig, Event(**{**_fields(moved), "subject": "Drafts/old/a.md"}))
    assert not matches(trig, Event(**{**_fields(moved), "subject": "Tasks/a.md"}))


def _fields(ev: Event) -> dict[str, Any]:
    return {f: getattr(ev, f) for f in ev.__struct_fields__}


# field, from, to


def test_field_names_the_field_that_changed() -> None:
    trig = trigger(event="field_changed", field="music")
    assert matches(trig, event("field_changed", {"field": "music", "old": None, "new": "[[X]]"}))
    assert matches(trig, event("field_changed", {"field": "Music", "old": None, "new": "[[X]]"}))
    assert not matches(trig, event("field_changed", {"field": "location", "new": "[[X]]"}))


def test_field_status_matches_status_changed() -> None:
    trig = trigger(event=["status_changed", "field_changed"], field="status")
    assert matches(trig, event("status_changed", {"old": "draft", "new": "final"}))
    assert not matches(trig, event("field_changed", {"field": "order", "old": 1, "new": 2}))


def test_field_never_matches_events_without_a_field() -> None:
    trig = trigger(event="task_completed", field="status")
    assert not matches(trig, event("task_completed", {"text": "x"}))


def test_to_and_from_compare_the_status_without_case() -> None:
    changed = event("status_changed", {"old": "Draft", "new": "Final"})
    assert matches(trigger(event="status_changed", to="final"), changed)
    assert matches(trigger(event="status_changed", **{"from": "draft"}), changed)
    assert matches(trigger(event="status_changed", to=["revised", "final"]), changed)
    assert not matches(trigger(event="status_changed", to="revised"), changed)
    assert not matches(trigger(event="status_changed", **{"from": "final"}), changed)


def test_to_does_not_match_a_status_that_was_removed() -> None:
    trig = trigger(event="status_changed", to="final")
    assert not matches(trig, event("status_changed", {"old": "final", "new": None}))


def test_from_and_to_compare_field_values_as_text() -> None:
    trig = trigger(event="field_changed", field="order", **{"from": 2, "to": 3})
    assert matches(trig, event("field_changed", {"field": "order", "old": 2, "new": 3}))
    assert not matches(trig, event("field_changed", {"field": "order", "old": 3, "new": 4}))


def test_from_and_to_match_a_task_status_change() -> None:
    trig = trigger(event="task_status_changed", to="/")
    ev = event("task_status_changed", {"text": "Name it", "old": " ", "new": "/"})
    assert matches(trig, ev)


def test_from_and_to_never_match_events_without_values() -> None:
    trig = trigger(event="note.created", to="final")
    assert not matches(trig, event("note.created", {"title": "New"}))


# actors


def test_actors_keep_changes_by_those_actors_only() -> None:
    trig = trigger(event="tag_changed", actors="user")
    assert matches(trig, MOOD_TENSE)
    external = tags_changed(changed=(("mood", "peaceful", "tense"),))
    assert not matches(trig, Event(**{**_fields(external), "actor": "external"}))


def test_an_automation_glob_matches_every_rules_changes() -> None:
    trig = trigger(event="tag_changed", actors="automation:*")
    assert matches(trig, Event(**{**_fields(MOOD_TENSE), "actor": "automation:mood-music"}))
    assert not matches(trig, MOOD_TENSE)


def test_ignore_actors_drops_changes_by_those_actors() -> None:
    trig = trigger(event="tag_changed", ignore_actors=["catch-up", "automation:*"])
    assert matches(trig, MOOD_TENSE)
    for actor in ("catch-up", "automation:mood-music", "automation:x/y"):
        assert not matches(trig, Event(**{**_fields(MOOD_TENSE), "actor": actor}))


def test_ignore_actors_wins_over_actors() -> None:
    trig = trigger(
        event="tag_changed", actors="automation:*", ignore_actors="automation:mood-music"
    )
    assert matches(trig, Event(**{**_fields(MOOD_TENSE), "actor": "automation:other"}))
    assert not matches(trig, Event(**{**_fields(MOOD_TENSE), "actor": "automation:mood-music"}))


# The index


def test_a_rule_with_two_matching_triggers_starts_once_with_its_first_trigger() -> None:
    loaded = rule(
        "  - event: tag_changed\n    tags: 'status:final'\n"
        "  - event: tag_changed\n    tags: 'mood:*'\n"
    )
    ev = tags_changed(added=("status:final",), changed=(("mood", "peaceful", "tense"),))
    found = RuleIndex([loaded]).match(ev, facts())
    assert len(found) == 1
    assert found[0].trigger.tags == ["status:final"]
    assert found[0].tag == TagChange("status", None, "final", "status:final")


def test_a_rule_whose_second_trigger_matches_reports_that_trigger() -> None:
    loaded = rule(
        "  - event: tag_changed\n    tags: 'status:final'\n"
        "  - event: status_changed\n    to: final\n"
    )
    (found,) = RuleIndex([loaded]).match(event("status_changed", {"new": "final"}), facts())
    assert found.trigger.event == ["status_changed"] and found.tag is None


def test_an_exact_and_a_glob_event_of_one_rule_start_it_once() -> None:
    loaded = rule("  event: [note.created, note.*]\n")
    assert started(RuleIndex([loaded]), event("note.created", {"title": "x"})) == ["r"]


def test_rules_start_in_load_order_whatever_their_trigger_kind() -> None:
    glob = rule("  event: '*_changed'\n", name="glob")
    typed = rule("  event: tag_changed\n  codex_type: scene\n", name="typed")
    exact = rule("  event: tag_changed\n", name="exact")
    index = RuleIndex([glob, typed, exact])
    assert [m.rule.name for m in index.match(MOOD_TENSE, facts())] == ["glob", "typed", "exact"]
    index = RuleIndex([exact, typed, glob])
    assert [m.rule.name for m in index.match(MOOD_TENSE, facts())] == ["exact", "typed", "glob"]


def test_disabled_and_invalid_rules_are_not_indexed() -> None:
    (disabled,) = load(
        "name: off\nenabled: false\ntrigger: {event: tag_changed}\n"
        "actions: [{type: notify, message: hi}]\n"
    )
    (invalid,) = load("name: broken\ntrigger: {event: tag_changed}\nactions: [{type: nope}]\n")
    live = rule("  event: tag_changed\n", name="live", rule_id="live")
    assert not disabled.runnable and not invalid.runnable
    index = RuleIndex([disabled, invalid, live])
    assert index.size == 1
    assert started(index, MOOD_TENSE) == ["live"]


def test_an_empty_index_starts_nothing() -> None:
    index = RuleIndex([])
    assert index.size == 0
    assert index.match(MOOD_TENSE, unread) == []


# What templates see as ``trigger``


def _scope(trig_yaml: str, ev: Event, note: Any = None) -> dict[str, Any]:
    (found,) = RuleIndex([rule(trig_yaml)]).match(ev, facts())
    return trigger_scope(ev, found, note)


def test_the_trigger_scope_of_a_tag_value_change() -> None:
    scope = _scope("  event: tag_changed\n  tags: 'mood:*'\n", MOOD_TENSE, note="N")
    assert scope["tag_key"] == "mood"
    assert scope["old_value"] == "peaceful"
    assert scope["new_value"] == "tense"
    assert scope["tag"] == "mood:tense"
    assert scope["added"] == [] and scope["removed"] == []
    assert scope["type"] == "tag_changed" and scope["event_type"] == "tag_changed"
    assert scope["subject"] == ROAD and scope["actor"] == "user" and scope["note"] == "N"


def test_the_trigger_scope_of_added_and_removed_tags() -> None:
    ev = tags_changed(added=("status:final", "review"), removed=("draft",))
    scope = _scope("  event: tag_changed\n  tags: 'status:*'\n", ev)
    assert scope["tag_key"] == "status" and scope["old_value"] is None
    assert scope["new_value"] == "final"
    assert scope["added"] == ["status:final", "review"]
    assert scope["removed"] == ["draft"]


def test_the_trigger_scope_of_a_removed_tag_has_its_old_value() -> None:
    ev = tags_changed(removed=("status:draft",))
    scope = _scope("  event: tag_changed\n  removed_tags: 'status:*'\n", ev)
    assert (scope["tag_key"], scope["old_value"], scope["new_value"]) == ("status", "draft", None)


def test_the_trigger_scope_of_a_status_change() -> None:
    ev = event("status_changed", {"old": "draft", "new": "final"})
    scope = _scope("  event: status_changed\n", ev)
    assert scope["field"] == "status"
    assert (scope["tag_key"], scope["old_value"], scope["new_value"]) == (None, "draft", "final")


def test_the_trigger_scope_of_a_field_change() -> None:
    ev = event("field_changed", {"field": "order", "old": 2, "new": 3})
    scope = _scope("  event: field_changed\n", ev)
    assert (scope["field"], scope["old_value"], scope["new_value"]) == ("order", 2, 3)


def test_the_trigger_scope_of_a_custom_event_uses_its_short_name() -> None:
    ev = event("custom.vault.music_changed", {"values": {"new_music": "Music/Drums.md"}})
    scope = _scope("  event: music_changed\n", ev)
    assert scope["type"] == "music_changed"
    assert scope["event_type"] == "custom.vault.music_changed"
    assert scope["data"] == {"values": {"new_music": "Music/Drums.md"}}


def test_the_trigger_scope_of_a_completed_task_has_its_text() -> None:
    ev = event("task_completed", {"text": "Describe the light", "line": 4})
    scope = _scope("  event: task_completed\n", ev)
    assert scope["text"] == "Describe the light"
    assert scope["field"] is None and scope["new_value"] is None


def test_a_match_keeps_its_rule_and_trigger() -> None:
    loaded = rule("  event: tag_changed\n  tags: 'mood:*'\n")
    (found,) = RuleIndex([loaded]).match(MOOD_TENSE, facts())
    assert isinstance(found, Match)
    assert loaded.rule is not None
    assert found.rule is loaded and found.trigger is loaded.rule.trigger[0]


def test_the_index_says_which_event_types_any_rule_listens_for() -> None:
    index = RuleIndex(
        [
            rule("  event: status_changed\n", name="a"),
            rule("  event: tag_changed\n  codex_type: scene\n", name="b"),
            rule("  event: note.*\n", name="c"),
        ]
    )
    assert index.listens_for("status_changed") and index.listens_for("tag_changed")
    assert index.listens_for("note.created") and index.listens_for("note.renamed")
    assert not index.listens_for("content_updated")
    assert not RuleIndex([]).listens_for("tag_changed")
