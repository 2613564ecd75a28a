"""Incremental re-indexing: only changed notes are parsed, and both stores follow each edit."""

from __future__ import annotations

from pathlib import Path

from vespera.session import VaultSession

from .stores import assert_healthy, bump_mtime, graph_links, graph_tags, links_from, write_note

SALTMARKET = "Locations/Saltmarket.md"


async def test_reindex_without_changes_parses_nothing(session: VaultSession) -> None:
    report = await session.index()
    assert report.parsed == report.touched == report.deleted == 0
    assert report.unchanged == report.files == 23
    assert report.graph == "none"
    assert not report.changed


async def test_editing_one_note_parses_exactly_that_note_and_updates_both_stores(
    session: VaultSession, vault: Path, state_dir: Path
) -> None:
    path = vault / SALTMARKET
    text = path.read_text(encoding="utf-8")
    write_note(vault, SALTMARKET, text + "\nBram keeps his boat here. [[Bram]] #harbour/boats\n")

    report = await session.index()

    assert (report.parsed, report.touched, report.deleted) == (1, 0, 0)
    assert report.unchanged == report.files - 1
    assert report.graph == "incremental"
    tags = {t.norm: t.notes for t in await session.db.tag_counts("harbour")}
    assert tags == {"harbour/boats": 1}
    assert ("Bram", "Characters/Bram.md", 1) in links_from(state_dir, SALTMARKET)
    assert SALTMARKET in {p for p, _, _ in await session.db.backlinks("Characters/Bram.md")}
    assert graph_tags(session, SALTMARKET) == {"setting:town", "harbour/boats"}
    assert (SALTMARKET, "Characters/Bram.md") in graph_links(session)
    await assert_healthy(session)


async def test_removing_a_tag_and_link_removes_them_from_both_stores(
    session: VaultSession, vault: Path
) -> None:
    write_note(vault, SALTMARKET, "---\ntype: location\n---\n\nNo links, no tags.\n")

    report = await session.index()

    assert report.parsed == 1
    assert await session.db.tag_counts("setting:town") == []
    assert graph_tags(session, SALTMARKET) == set()
    assert not {(s, t) for s, t in graph_links(session) if s == SALTMARKET}
    # The orphaned Tag node goes too, not only the edge.
    assert session.graph.query("MATCH (t:Tag {name: 'setting:town'}) RETURN t.name") == []
    await assert_healthy(session)


async def test_touching_mtime_without_a_content_change_is_touched_not_parsed(
    session: VaultSession, vault: Path
) -> None:
    bump_mtime(vault / SALTMARKET)

    report = await session.index()
    assert (report.parsed, report.touched) == (0, 1)
    assert report.graph == "none"

    # The new mtime was stored: the next scan does not even read the file.
    again = await session.index()
    assert (again.parsed, again.touched, again.unchanged) == (0, 0, again.files)
    await assert_healthy(session)


async def test_update_of_one_path_parses_only_that_path(session: VaultSession, vault: Path) -> None:
    write_note(vault, "Characters/Bram.md", "---\ntype: character\n---\n\nRewritten. #rewrite\n")

    report = await session.update(["Characters/Bram.md"])

    assert (report.files, report.parsed) == (1, 1)
    assert graph_tags(session, "Characters/Bram.md") == {"rewrite"}
    assert await session.db.notes_by_type("character") != []
    await assert_healthy(session)


async def test_changes_survive_closing_and_reopening_the_session(
    vault: Path, state_dir: Path
) -> None:
    async with await VaultSession.open(vault, state_dir) as first:
        await first.index()
    write_note(vault, SALTMARKET, "---\ntype: location\n---\n\n#reopened [[Alice]]\n")

    async with await VaultSession.open(vault, state_dir) as second:
        report = await second.index()
        assert report.parsed == 1 and report.unchanged == report.files - 1
        assert graph_tags(second, SALTMARKET) == {"reopened"}
        assert (SALTMARKET, "Characters/Alice.md") in graph_links(second)
        await assert_healthy(second)


async def test_update_of_a_new_folder_and_a_note_inside_it_indexes_the_note_once(
    session: VaultSession, vault: Path
) -> None:
    # A watcher reports a new folder and the files in it together; both paths reach update().
    write_note(vault, "Drafts/Chapter one.md", "# Chapter one\n\n[[Lantern Night]]\n")

    report = await session.update(["Drafts", "Drafts/Chapter one.md"])

    assert report.parsed == 1
    assert "Drafts/Chapter one.md" in await session.db.file_states()
    assert ("Drafts/Chapter one.md", "Scenes/Lantern Night.md") in graph_links(session)
    await assert_healthy(session)
