"""Change detection as a pure function of two note states, and the ids events carry."""

from __future__ import annotations

import uuid

import msgspec

from vespera.events.detect import EventMaker, Origin, merge_renames, note_changes
from vespera.events.ids import IdGenerator, id_time_ms
from vespera.index.reader import meaning_hash
from vespera.store.note_rows import note_rows
from vespera.store.note_state import NoteState, decode_state, encode_state, state_of
from vespera.vault.parser import parse_text
from vespera_protocol.events import USER


def state(text: str, path: str = "Note.md", resolved: dict[str, str] | None = None) -> NoteState:
    """The state of ``text`` as the indexer would build it (links resolved by ``resolved``)."""
    rows = note_rows(parse_text(path, text), meaning_hash(text.encode()))
    targets = [(resolved or {}).get(link[0]) for link in rows.links]
    return state_of(rows, meaning_hash(text.encode()) + "-exact" + str(hash(text)), targets)


def changes(
    before: str, after: str, types: dict[str, str | None] | None = None
) -> dict[str, object]:
    found = note_changes(state(before), state(after), types or {})
    return {kind: msgspec.to_builtins(data) for kind, data in found}


def test_a_value_change_of_one_key_is_a_change_not_an_add_and_remove() -> None:
    found = changes("#mood:peaceful #place", "#mood:tense #place #new")
    assert found["tag_changed"] == {
        "added": [{"name": "new", "key": None, "value": None}],
        "removed": [],
        "changed": [{"key": "mood", "old": "peaceful", "new": "tense"}],
    }


def test_tags_compare_case_folded_wherever_they_are_written() -> None:
    before = "---\ntags: [Mood:Calm]\n---\ntext"
    after = "---\ntags: []\n---\ntext #mood:calm"
    assert "tag_changed" not in changes(before, after)


def test_a_key_with_two_values_pairs_one_and_reports_the_other() -> None:
    found = changes("#pov:alice", "#pov:bram #pov:zoe")
    data = found["tag_changed"]
    assert data["changed"] == [{"key": "pov", "old": "alice", "new": "bram"}]  # type: ignore[index]
    assert data["added"] == [{"name": "pov:zoe", "key": "pov", "value": "zoe"}]  # type: ignore[index]


def test_whitespace_only_changes_change_nothing() -> None:
    assert changes("One  two\nthree #a\n", "One two three   #a\n\n") == {}


def test_status_is_its_own_event_and_tags_fields_are_not_fields() -> None:
    found = changes("---\nstatus: draft\ntags: [a]\n---\n", "---\nstatus: final\ntags: [b]\n---\n")
    assert found["status_changed"] == {"old": "draft", "new": "final"}
    assert "field_changed" not in found


def test_tasks_are_matched_by_text_when_lines_move() -> None:
    before = "- [ ] Write the ending\n- [ ] Check names\n"
    after = "New first line.\n\n- [x] Write the ending\n- [ ] Check names\n"
    found = changes(before, after)
    assert found["task_completed"] == {"text": "Write the ending", "line": 2}
    assert "task_status_changed" not in found


def test_reopening_a_task_is_a_status_change() -> None:
    found = changes("- [x] Done once\n", "- [ ] Done once\n")
    assert found["task_status_changed"] == {"text": "Done once", "old": "x", "new": " ", "line": 0}


def test_a_link_with_another_alias_or_heading_is_the_same_link() -> None:
    found = changes("See [[Alice]].", "See [[Alice#Childhood|her]] and [[alice]].")
    assert "relationship_created" not in found and "relationship_removed" not in found


def test_a_link_to_a_typed_note_is_codex_linked() -> None:
    before = state("Nothing yet.")
    after = state("Meets [[Alice]].", resolved={"Alice": "Characters/Alice.md"})
    found = dict(note_changes(before, after, {"Characters/Alice.md": "character"}))
    assert msgspec.to_builtins(found["codex_linked"]) == {
        "target": "Characters/Alice.md",
        "target_type": "character",
        "field": None,
    }


def test_states_survive_their_storage_form() -> None:
    original = state("---\nstatus: x\n---\n#a [[B]]\n- [ ] t\n")
    assert decode_state(encode_state(original)) == original


def test_a_deleted_and_a_created_note_with_one_content_are_a_rename() -> None:
    maker = EventMaker("file:///v")
    old, new = state("Same words.", "Old.md"), state("Same words.", "New.md")
    events = [
        *maker.events("Old.md", note_changes(old, None, {}), Origin()),
        *maker.events("New.md", note_changes(None, new, {}), Origin()),
        *maker.events("Other.md", note_changes(None, state("#x", "Other.md"), {}), Origin()),
    ]
    merged = merge_renames(events)
    assert [(e.type, e.subject) for e in merged] == [
        ("note.renamed", "New.md"),
        ("note.created", "Other.md"),
        ("tag_changed", "Other.md"),
    ]
    assert merged[0].data == {"old_path": "Old.md", "new_path": "New.md"}
    assert merge_renames(events)[0].id == merged[0].id  # the same events merge the same way


def test_events_of_one_change_share_a_cascade_unless_the_origin_names_one() -> None:
    maker = EventMaker("file:///v")
    found = note_changes(state("#a"), state("#b [[X]]"), {})
    own = maker.events("N.md", found, Origin(USER))
    assert {e.correlationid for e in own} == {own[0].id}
    joined = maker.events("N.md", found, Origin(USER, causationid="run", correlationid="c"))
    assert {(e.correlationid, e.causationid) for e in joined} == {("c", "run")}


def test_ids_are_uuid7_ordered_by_creation_even_within_a_millisecond() -> None:
    new_id = IdGenerator()
    ids = [new_id(now_ms=1_700_000_000_000) for _ in range(5000)]  # more than 4096: spills over
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    parsed = uuid.UUID(ids[0])
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert id_time_ms(ids[0]) == 1_700_000_000_000
    assert new_id(now_ms=1_600_000_000_000) > ids[-1]  # a clock stepping back keeps the order
    assert new_id() > ids[-1]


def test_two_notes_with_the_same_content_moved_together_are_two_renames() -> None:
    maker = EventMaker("file:///v")
    events = []
    for old, new in (("A.md", "Moved/A.md"), ("B.md", "Moved/B.md")):
        events += maker.events(old, note_changes(state("", old), None, {}), Origin())
        events += maker.events(new, note_changes(None, state("", new), {}), Origin())
    merged = merge_renames(events)
    assert [(e.type, e.data) for e in merged] == [
        ("note.renamed", {"old_path": "A.md", "new_path": "Moved/A.md"}),
        ("note.renamed", {"old_path": "B.md", "new_path": "Moved/B.md"}),
    ]
