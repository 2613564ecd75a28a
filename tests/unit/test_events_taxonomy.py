"""The event envelope and the table of event types that rules, editors and the log rely on."""

from __future__ import annotations

import re

import msgspec
import pytest

from vespera_protocol.events import (
    EVENT_TYPES,
    CustomData,
    Event,
    KeyChange,
    TagChanged,
    TagRef,
    automation,
    check,
    data_type,
    is_actor,
    is_custom_type,
)


def test_the_table_of_event_types_changes_only_on_purpose() -> None:
    # Rules name these types; renaming one silently would stop every rule that uses it.
    assert sorted(EVENT_TYPES) == [
        "codex_linked",
        "content_updated",
        "field_changed",
        "note.created",
        "note.deleted",
        "note.renamed",
        "relationship_created",
        "relationship_removed",
        "status_changed",
        "tag_changed",
        "task_completed",
        "task_status_changed",
    ]
    for name, kind in EVENT_TYPES.items():
        assert kind.name == name and kind.doc
        assert issubclass(kind.data, msgspec.Struct)
        assert not is_custom_type(name)


def _event(**changes: object) -> Event:
    fields: dict[str, object] = {
        "specversion": "1.0",
        "id": "0190f3a2-7b1c-7def-8abc-0123456789ab",
        "type": "tag_changed",
        "source": "file:///vault",
        "subject": "Scenes/The Storm.md",
        "time": "2026-11-22T12:00:00Z",
        "actor": "user",
        "correlationid": "0190f3a2-7b1c-7def-8abc-0123456789ab",
        "data": msgspec.to_builtins(
            TagChanged(changed=[KeyChange(key="mood", old="peaceful", new="tense")])
        ),
    }
    fields.update(changes)
    return msgspec.convert(fields, Event)


def test_an_event_is_a_cloudevent_with_four_extensions() -> None:
    encoded = msgspec.json.decode(msgspec.json.encode(_event(sequence=7)))
    # The attributes CloudEvents 1.0 requires, and its JSON format's data media type.
    assert encoded["specversion"] == "1.0"
    assert {"id", "source", "type"} <= encoded.keys()
    assert "datacontenttype" not in encoded  # absent means JSON in the JSON format
    # Extension attribute names: lower-case letters and digits only, by the specification.
    standard = {"id", "source", "specversion", "type", "datacontenttype", "subject", "time", "data"}
    extensions = encoded.keys() - standard
    assert extensions == {"actor", "correlationid", "sequence"}
    assert all(re.fullmatch("[a-z0-9]{1,20}", name) for name in extensions | {"causationid"})
    assert msgspec.json.decode(msgspec.json.encode(_event()), type=Event) == _event()


def test_a_value_change_of_one_key_is_one_change() -> None:
    data = msgspec.convert(_event().data, TagChanged)
    assert data.changed == [KeyChange(key="mood", old="peaceful", new="tense")]
    assert data.added == data.removed == []


@pytest.mark.parametrize(
    ("actor", "valid"),
    [
        ("user", True),
        ("external", True),
        ("catch-up", True),
        ("automation:switch-music", True),
        ("automation:reviews/final.v2", True),
        ("automation:", False),
        ("automation: spaced", False),
        ("robot", False),
        ("", False),
    ],
)
def test_actors(actor: str, valid: bool) -> None:
    assert is_actor(actor) is valid


def test_a_rule_id_becomes_an_actor_or_a_clear_error() -> None:
    assert automation("switch-music") == "automation:switch-music"
    with pytest.raises(ValueError, match="not a valid rule id"):
        automation("two words")


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("custom.reviews.scene_ready", True),
        ("custom.a.b.c", True),
        ("custom.reviews", False),
        ("custom.Reviews.ready", False),
        ("reviews.ready", False),
        ("custom..ready", False),
        ("tag_changed", False),
    ],
)
def test_custom_event_names_are_namespaced(name: str, valid: bool) -> None:
    assert is_custom_type(name) is valid


def test_each_type_has_one_payload_type() -> None:
    assert data_type("tag_changed") is TagChanged
    assert data_type("custom.reviews.scene_ready") is CustomData
    with pytest.raises(ValueError, match="not an event type"):
        data_type("tag_change")


def test_check_accepts_a_well_formed_event_and_names_what_is_wrong() -> None:
    check(_event())
    check(_event(type="custom.reviews.ready", data={"values": {"scene": "The Storm"}}))
    with pytest.raises(ValueError, match="not an event type"):
        check(_event(type="tag_change"))
    with pytest.raises(ValueError, match="not an actor"):
        check(_event(actor="robot"))
    with pytest.raises(ValueError, match="needs a subject"):
        check(_event(subject=""))
    with pytest.raises(ValueError, match="does not fit"):
        check(_event(data={"added": [{"key": "mood"}]}))  # a tag without its name
    added = TagRef(name="mood:tense", key="mood", value="tense")
    check(_event(data=msgspec.to_builtins(TagChanged(added=[added]))))
