"""Deletes, renames and new notes: both stores follow, and links are resolved again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vespera.index.indexer import IndexReport
from vespera.session import VaultSession

from .stores import (
    assert_healthy,
    graph_field_links,
    graph_links,
    graph_notes,
    links_from,
    touching,
    write_note,
)

BRAM = "Characters/Bram.md"
FOG_SCENE = "Scenes/Fog at Low Tide.md"


async def _reindex(session: VaultSession, how: str, paths: list[str]) -> IndexReport:
    """A full scan, or an update of the given paths, as a watcher would send them."""
    return await session.index() if how == "scan" else await session.update(paths)


@pytest.mark.parametrize("how", ["scan", "update"])
async def test_deleting_a_note_removes_it_from_both_stores_and_unresolves_its_links(
    session: VaultSession, vault: Path, how: str
) -> None:
    linkers = {p for p, _, _ in await session.db.backlinks(BRAM)}
    assert linkers >= {"Characters/Alice.md", "Scenes/The Storm.md"}
    (vault / BRAM).unlink()

    report = await _reindex(session, how, [BRAM])

    assert report.deleted == 1 and report.parsed == 0
    assert BRAM not in await session.db.file_states()
    assert await session.db.backlinks(BRAM) == []
    broken = {p for p, target, _ in await session.db.unresolved_links() if target == "Bram"}
    assert broken == linkers
    assert BRAM not in graph_notes(session)
    assert touching(session, BRAM) == 0
    assert all(BRAM not in edge for edge in graph_links(session) | graph_field_links(session))
    # Bram was the only note tagged role:ally; the tag node went with him.
    assert session.graph.query("MATCH (t:Tag {name: 'role:ally'}) RETURN t.name") == []
    await assert_healthy(session)


@pytest.mark.parametrize("how", ["scan", "update"])
async def test_moving_a_note_is_a_rename_and_links_by_name_follow_it(
    session: VaultSession, vault: Path, state_dir: Path, how: str
) -> None:
    old, new = "Music/Fog Bells.md", "Archive/Sounds/Fog Bells.md"
    before = {(p, f) for p, f, _ in await session.db.backlinks(old)}
    (vault / new).parent.mkdir(parents=True)
    (vault / old).rename(vault / new)

    report = await _reindex(session, how, [old, new])

    assert report.renamed == [(old, new)]
    assert (report.parsed, report.deleted) == (1, 1)
    assert {(p, f) for p, f, _ in await session.db.backlinks(new)} == before
    assert ("Fog Bells", new, 1) in links_from(state_dir, FOG_SCENE)
    assert old not in graph_notes(session) and new in graph_notes(session)
    assert (FOG_SCENE, "music", new) in graph_field_links(session)
    assert len(await session.db.unresolved_links()) == 1  # Missing Harbour, as before
    await assert_healthy(session)


async def test_renaming_a_note_breaks_links_that_used_its_old_name(
    session: VaultSession, vault: Path
) -> None:
    old, new = "Locations/Lighthouse.md", "Locations/Greywater Light.md"
    (vault / old).rename(vault / new)

    report = await session.index()

    assert report.renamed == [(old, new)]
    broken = {p for p, target, _ in await session.db.unresolved_links() if target == "Lighthouse"}
    assert {"Scenes/The Storm.md", "Scenes/Homecoming.md"} <= broken
    # Nothing links to the new name; the note's own outgoing links moved with it.
    assert not [a for a, b in graph_links(session) if b == new]
    assert not [a for a, _, b in graph_field_links(session) if b == new]
    assert {b for a, b in graph_links(session) if a == new} == {
        "Scenes/The Storm.md",
        "Scenes/Homecoming.md",
    }
    await assert_healthy(session)


async def test_creating_the_note_a_broken_link_names_resolves_that_link(
    session: VaultSession, vault: Path, state_dir: Path
) -> None:
    new = "Locations/Missing Harbour.md"
    write_note(vault, new, "---\ntype: location\n---\n\nA harbour that is no longer there.\n")

    report = await session.index()

    # Only the new note is parsed; the link in the scene is resolved again without a re-read.
    assert report.parsed == 1
    assert await session.db.unresolved_links() == []
    assert ("Missing Harbour", new, 1) in links_from(state_dir, FOG_SCENE)
    assert (FOG_SCENE, new) in graph_links(session)
    await assert_healthy(session)


async def test_an_alias_in_a_new_note_resolves_a_broken_link(
    session: VaultSession, vault: Path
) -> None:
    new = "Notes/Harbour research.md"
    write_note(vault, new, "---\naliases: [Missing Harbour]\n---\n\nSurvey notes.\n")

    await session.update([new])

    assert await session.db.unresolved_links() == []
    assert (FOG_SCENE, new) in graph_links(session)
    await assert_healthy(session)


async def test_update_of_a_deleted_folder_removes_all_its_notes(
    session: VaultSession, vault: Path
) -> None:
    music = {p for p in await session.db.file_states() if p.startswith("Music/")}
    assert len(music) == 5
    shutil.rmtree(vault / "Music")

    report = await session.update(["Music"])

    assert report.deleted == 5
    assert not music & set(await session.db.file_states())
    assert not music & graph_notes(session)
    assert not [e for e in graph_field_links(session) if e[1] == "music"]
    broken = {t for _, t, _ in await session.db.unresolved_links()}
    assert {"Fog Bells", "Battle Drums", "Lantern Festival"} <= broken
    await assert_healthy(session)


async def test_moving_a_folder_renames_every_note_in_it(session: VaultSession, vault: Path) -> None:
    (vault / "Music").rename(vault / "Soundtrack")

    report = await session.update(["Music", "Soundtrack"])

    assert len(report.renamed) == 5
    assert all(
        old.startswith("Music/") and new == "Soundtrack/" + old.removeprefix("Music/")
        for old, new in report.renamed
    )
    assert ("Scenes/The Storm.md", "music", "Soundtrack/Battle Drums.md") in graph_field_links(
        session
    )
    assert len(await session.db.unresolved_links()) == 1
    await assert_healthy(session)
