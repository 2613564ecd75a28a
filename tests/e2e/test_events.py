"""Vault events end to end: detected from real edits, committed to the log, handed out once."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from vespera.events.detect import Origin
from vespera.session import VaultSession
from vespera_protocol.events import (
    CATCH_UP,
    EVENT_TYPES,
    EXTERNAL,
    USER,
    Event,
    automation,
    check,
)

from .stores import bump_mtime, write_note

STORM = "Scenes/The Storm.md"
SCENE = "Scenes/Quarry.md"
TASK = "Tasks/Develop Alice arc.md"
QUARRY = """---
type: scene
title: The Quarry
tags: [mood:peaceful, status:draft]
characters: ["[[Alice]]"]
music: "[[Forest Sounds]]"
---

Alice walks to the quarry at dawn. #weather/fog

- [ ] Describe the light
- [ ] Name the foreman
"""

# Every kind of change at once: a tag value, a status tag and field, link fields, tasks.
QUARRY_REVISED = (
    QUARRY.replace("status:draft", "status:review")
    .replace('characters: ["[[Alice]]"]', 'characters: ["[[Alice]]", "[[Bram]]"]')
    .replace('music: "[[Forest Sounds]]"\n', "status: final\norder: 4\n")
    .replace("- [ ] Describe the light", "- [x] Describe the light")
    .replace("- [ ] Name the foreman", "- [/] Name the foreman")
    .replace("#weather/fog", "#weather/fog and [[Nowhere Yet]]")
)


async def new_events(session: VaultSession, after: int) -> list[Event]:
    """Every event committed after sequence ``after``."""
    return (await session.events.query(after=after, limit=1000)).events


def kinds(events: list[Event]) -> list[tuple[str, str]]:
    """``(type, subject)`` of each event, in log order."""
    return [(e.type, e.subject) for e in events]


def data_of(events: list[Event], kind: str) -> list[dict[str, Any]]:
    """The payloads of the events of type ``kind``."""
    return [e.data for e in events if e.type == kind]


@pytest.fixture
async def with_quarry(session: VaultSession, vault: Path) -> VaultSession:
    """The example vault with one more scene, created while the session watched."""
    write_note(vault, SCENE, QUARRY)
    await session.update([SCENE])
    return session


async def test_the_first_index_of_a_vault_makes_no_events(session: VaultSession) -> None:
    assert await session.events.count() == 0
    assert await session.events.head() == 0


async def test_a_new_note_is_created_with_what_rules_react_to(with_quarry: VaultSession) -> None:
    events = await new_events(with_quarry, 0)
    assert kinds(events)[0] == ("note.created", SCENE)
    assert events[0].data["title"] == "The Quarry" and events[0].data["type"] == "scene"
    tags = data_of(events, "tag_changed")[0]
    assert {t["name"] for t in tags["added"]} == {"mood:peaceful", "status:draft", "weather/fog"}
    assert {"key": None, "name": "weather/fog", "value": None} in tags["added"]
    linked = {(d["target"], d["field"]) for d in data_of(events, "relationship_created")}
    assert linked == {("Characters/Alice.md", "characters"), ("Music/Forest Sounds.md", "music")}
    codex = {(d["target"], d["target_type"]) for d in data_of(events, "codex_linked")}
    assert codex == {("Characters/Alice.md", "character"), ("Music/Forest Sounds.md", "music")}
    for event in events:
        check(event)  # every event fits its type's payload
        assert event.actor == EXTERNAL
        assert event.correlationid == events[0].id  # one change, one cascade
        assert event.source == with_quarry.root.as_uri()


async def test_a_mood_change_is_one_change_of_the_key(
    with_quarry: VaultSession, vault: Path
) -> None:
    head = await with_quarry.events.head()
    write_note(vault, SCENE, QUARRY.replace("mood:peaceful", "mood:tense"))
    await with_quarry.update([SCENE])

    events = await new_events(with_quarry, head)
    assert kinds(events) == [("content_updated", SCENE), ("tag_changed", SCENE)]
    assert events[1].data == {
        "added": [],
        "removed": [],
        "changed": [{"key": "mood", "old": "peaceful", "new": "tense"}],
    }


async def test_fields_status_links_and_tasks_each_have_their_event(
    with_quarry: VaultSession, vault: Path
) -> None:
    head = await with_quarry.events.head()
    write_note(vault, SCENE, QUARRY_REVISED)
    await with_quarry.update([SCENE])

    events = await new_events(with_quarry, head)
    assert data_of(events, "tag_changed") == [
        {
            "added": [],
            "removed": [],
            "changed": [{"key": "status", "old": "draft", "new": "review"}],
        }
    ]
    assert data_of(events, "status_changed") == [{"old": None, "new": "final"}]
    assert data_of(events, "field_changed") == [
        {"field": "characters", "old": ["[[Alice]]"], "new": ["[[Alice]]", "[[Bram]]"]},
        {"field": "music", "old": "[[Forest Sounds]]", "new": None},
        {"field": "order", "old": None, "new": 4},
    ]
    assert {
        (d["target"], d["field"], d["resolved"]) for d in data_of(events, "relationship_created")
    } == {
        ("Characters/Bram.md", "characters", True),
        ("Nowhere Yet", None, False),
    }
    assert data_of(events, "relationship_removed") == [
        {"target": "Music/Forest Sounds.md", "field": "music", "resolved": True}
    ]
    assert data_of(events, "codex_linked") == [
        {"target": "Characters/Bram.md", "target_type": "character", "field": "characters"}
    ]
    assert data_of(events, "task_completed") == [{"text": "Describe the light", "line": 11}]
    assert data_of(events, "task_status_changed") == [
        {"text": "Name the foreman", "old": " ", "new": "/", "line": 12}
    ]


async def test_a_task_note_marked_done_is_a_completed_task(
    session: VaultSession, vault: Path
) -> None:
    text = (vault / TASK).read_text(encoding="utf-8")
    write_note(vault, TASK, text.replace("status: open", "status: done"))
    await session.update([TASK])

    events = await new_events(session, 0)
    assert data_of(events, "status_changed") == [{"old": "open", "new": "done"}]
    assert data_of(events, "task_completed") == [{"text": "Develop Alice's arc", "line": None}]


async def test_whitespace_and_resaves_make_no_events(session: VaultSession, vault: Path) -> None:
    path = vault / STORM
    text = path.read_text(encoding="utf-8")
    bump_mtime(path)  # saved again, unchanged
    await session.update([STORM])
    rewrapped = text.replace("By six the shutters", "By six\nthe shutters").replace(
        "## Nightfall\n", "## Nightfall   \n\n\n"
    )
    write_note(vault, STORM, rewrapped)
    report = await session.update([STORM])

    assert report.parsed == 1  # the index follows the new positions...
    assert await session.events.count() == 0  # ...but nothing meaningful changed


async def test_deleting_and_renaming_notes(with_quarry: VaultSession, vault: Path) -> None:
    head = await with_quarry.events.head()
    (vault / SCENE).rename(vault / "Scenes/The Quarry.md")
    (vault / "Music/Fog Bells.md").unlink()
    await with_quarry.update([SCENE, "Scenes/The Quarry.md", "Music/Fog Bells.md"])

    events = {e.type: e for e in await new_events(with_quarry, head)}
    assert sorted(events) == ["note.deleted", "note.renamed"]  # the moved note gained nothing
    assert events["note.renamed"].subject == "Scenes/The Quarry.md"
    assert events["note.renamed"].data == {"old_path": SCENE, "new_path": "Scenes/The Quarry.md"}
    assert events["note.deleted"].subject == "Music/Fog Bells.md"
    assert events["note.deleted"].data["type"] == "music"


async def test_sequences_are_gap_free_and_ordered_under_concurrent_changes(
    session: VaultSession, vault: Path
) -> None:
    paths = [f"Scenes/Concurrent {n}.md" for n in range(30)]
    for path in paths:
        write_note(vault, path, "---\ntype: scene\ntags: [mood:calm]\n---\nStart.\n")
    await asyncio.gather(*(session.update([p]) for p in paths[:15]), session.update(paths[15:]))
    for n, path in enumerate(paths):
        write_note(vault, path, f"---\ntype: scene\ntags: [mood:grim]\n---\nEdit {n}.\n")
    await asyncio.gather(
        *(session.update([p]) for p in paths[::2]),
        *(session.indexer.update_text(p, f"Buffer {p}. #draft") for p in paths[1::2]),
    )
    await asyncio.gather(*(session.settle([p]) for p in paths[1::2]))

    events = await new_events(session, 0)
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert len({e.id for e in events}) == len(events)
    # Each note's cascade is contiguous, and ids follow the log's order.
    assert [e.id for e in events] == sorted(e.id for e in events)
    assert {e.subject for e in events if e.type == "note.created"} == set(paths)
    assert len([e for e in events if e.type == "tag_changed"]) == 60


async def test_offline_changes_are_caught_up_at_start(vault: Path, state_dir: Path) -> None:
    async with await VaultSession.open(vault, state_dir) as session:
        await session.index()
    write_note(vault, SCENE, QUARRY)
    text = (vault / STORM).read_text(encoding="utf-8")
    write_note(vault, STORM, text.replace("status:draft", "status:final"))

    async with await VaultSession.open(vault, state_dir) as session:
        report = await session.index()
        events = await new_events(session, 0)
        later = await session.index()  # a later scan in the same session is not catch-up

    assert report.events == len(events) > 0
    assert {e.actor for e in events} == {CATCH_UP}
    assert ("note.created", SCENE) in kinds(events)
    assert ("tag_changed", STORM) in kinds(events)
    assert later.events == 0


async def test_editor_text_makes_events_only_when_it_settles(
    session: VaultSession, vault: Path
) -> None:
    text = (vault / STORM).read_text(encoding="utf-8")
    # Typing "#mood:grim" one character at a time, the index taking each state.
    for n in range(1, len("#mood:grim") + 1):
        await session.indexer.update_text(STORM, text + "\nThe sky turns. " + "#mood:grim"[:n])
    assert await session.events.count() == 0
    assert {t.norm for t in await session.db.tag_counts("mood:gr")} == {"mood:grim"}

    report = await session.settle([STORM])

    events = await new_events(session, 0)
    assert report.events == len(events)
    assert data_of(events, "tag_changed") == [
        {
            "added": [{"name": "mood:grim", "key": "mood", "value": "grim"}],
            "removed": [],
            "changed": [],
        }
    ]
    assert {e.actor for e in events} == {USER}
    assert (await session.settle([STORM])).events == 0  # settled once


async def test_a_new_unsaved_note_settles_into_a_created_note(session: VaultSession) -> None:
    await session.indexer.update_text("Drafts/Idea.md", "# Idea\n\n#seed")
    await session.settle(["Drafts/Idea.md"])
    assert kinds(await new_events(session, 0))[:2] == [
        ("note.created", "Drafts/Idea.md"),
        ("tag_changed", "Drafts/Idea.md"),
    ]


async def test_automation_writes_carry_the_run_that_caused_them(
    session: VaultSession, vault: Path
) -> None:
    run = Origin(automation("mood-music"), causationid="run-7", correlationid="cascade-1")
    text = (vault / STORM).read_text(encoding="utf-8")
    on_disk = text.replace('music: "[[Battle Drums]]"', 'music: "[[Forest Sounds]]"')
    session.expect_write(STORM, on_disk, run)
    write_note(vault, STORM, on_disk)
    await session.update([STORM])
    # The same through the editor: the edit applied there comes back as the editor's text,
    # and its events are made at once, without waiting for the note to settle.
    scene = (vault / "Scenes/Homecoming.md").read_text(encoding="utf-8")
    in_editor = scene + "\n#revisit\n"
    session.expect_write("Scenes/Homecoming.md", in_editor, run)
    await session.indexer.update_text("Scenes/Homecoming.md", in_editor)

    events = await new_events(session, 0)
    assert {e.subject for e in events} == {STORM, "Scenes/Homecoming.md"}
    assert {(e.actor, e.causationid, e.correlationid) for e in events} == {
        ("automation:mood-music", "run-7", "cascade-1")
    }
    # The next change by anyone else is theirs again.
    write_note(vault, STORM, text)
    await session.update([STORM])
    assert {e.actor for e in await new_events(session, len(events))} == {EXTERNAL}


async def test_rebuilding_the_index_keeps_the_log_and_makes_no_events(
    with_quarry: VaultSession, vault: Path, state_dir: Path
) -> None:
    count = await with_quarry.events.count()
    await with_quarry.close()
    async with await VaultSession.open(vault, state_dir, rebuild=True) as session:
        report = await session.index()
        assert report.events == 0
        assert await session.events.count() == count > 0


@pytest.mark.parametrize("through", ["disk", "editor"])
async def test_every_kind_of_change_is_detected_on_disk_and_in_the_editor(
    with_quarry: VaultSession, vault: Path, through: str
) -> None:
    head = await with_quarry.events.head()
    edited = QUARRY_REVISED.replace("mood:peaceful", "mood:tense")
    if through == "disk":
        write_note(vault, SCENE, edited)
        await with_quarry.update([SCENE])
    else:
        await with_quarry.indexer.update_text(SCENE, edited)
        await with_quarry.settle([SCENE])

    found = {e.type for e in await new_events(with_quarry, head)}
    assert found == {t for t in EVENT_TYPES if not t.startswith("note.")}


async def test_edits_left_unsettled_when_the_sidecar_stopped_are_caught_up(
    vault: Path, state_dir: Path
) -> None:
    async with await VaultSession.open(vault, state_dir) as session:
        await session.index()
        text = (vault / STORM).read_text(encoding="utf-8") + "\n#aftermath\n"
        await session.indexer.update_text(STORM, text)
        # Saved, then the process ended before the note settled.
        write_note(vault, STORM, text)
    async with await VaultSession.open(vault, state_dir) as session:
        await session.index()
        events = await new_events(session, 0)
    assert data_of(events, "tag_changed") == [
        {"added": [{"name": "aftermath", "key": None, "value": None}], "removed": [], "changed": []}
    ]
    assert {e.actor for e in events} == {CATCH_UP}


async def test_a_vault_emptied_while_away_reports_its_deleted_notes(
    vault: Path, state_dir: Path
) -> None:
    async with await VaultSession.open(vault, state_dir) as session:
        await session.index()
    for note in (vault / "Music").iterdir():
        note.unlink()
    async with await VaultSession.open(vault, state_dir) as session:
        await session.index()
        events = await new_events(session, 0)
    assert {e.type for e in events} == {"note.deleted"}
    assert len(events) == 5
