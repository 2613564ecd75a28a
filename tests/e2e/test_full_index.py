"""A full index of (a copy of) the example vault: SQLite and Kuzu hold what the files say."""

from __future__ import annotations

from pathlib import Path

from vespera.session import VaultSession

from .stores import (
    assert_healthy,
    graph_field_links,
    graph_links,
    graph_notes,
    graph_tags,
    note_files,
)

STORM = "Scenes/The Storm.md"


async def test_full_index_counts_every_note_outside_ignored_templates(vault: Path) -> None:
    state = vault.parent / "state"
    async with await VaultSession.open(vault, state) as session:
        report = await session.index()
        expected = note_files(vault, skip=("Templates/",))
        assert report.files == report.parsed == len(expected) == 23
        assert (report.unchanged, report.touched, report.deleted, report.unreadable) == (0, 0, 0, 0)
        assert report.problems == 0
        assert report.graph == "bulk"
        assert set(await session.db.file_states()) == expected
        assert graph_notes(session) == expected
        assert "Templates/Scene template.md" not in expected | graph_notes(session)


async def test_stats_and_note_types_match_the_example_vault(session: VaultSession) -> None:
    stats = await session.db.stats()
    assert stats.notes == 23
    assert stats.types == {"scene": 6, "music": 5, "character": 4, "task": 4, "location": 3, "": 1}
    assert (stats.unresolved_links, stats.ambiguous_links, stats.problems) == (1, 0, 0)
    assert stats.tasks == 28 and stats.open_tasks == 10
    scenes = await session.db.notes_by_type("SCENE")
    assert [title for _, title in scenes] == [
        "Fog at Low Tide",
        "Homecoming",
        "Lantern Night",
        "Letters in the Cellar",
        "The Road to Ashwood",
        "The Storm",
    ]


async def test_key_value_tags_are_counted_and_split_in_both_stores(session: VaultSession) -> None:
    moods = {t.norm: (t.count, t.notes) for t in await session.db.tag_counts("Mood:")}
    assert moods == {
        "mood:joyful": (3, 3),
        # The Storm has mood:tense in its frontmatter and inline: two uses, one note.
        "mood:tense": (3, 2),
        "mood:melancholy": (2, 2),
        "mood:mysterious": (2, 2),
        "mood:peaceful": (2, 2),
    }
    roles = {t.norm for t in await session.db.tag_counts("role:")}
    assert roles == {"role:protagonist", "role:ally", "role:antagonist", "role:mentor"}
    # The ignored template's tags must not leak in.
    assert await session.db.tag_counts("mood:unset") == []

    values = session.graph.query("MATCH (t:Tag) WHERE t.key = 'mood' RETURN t.value")
    assert {r[0] for r in values} == {"joyful", "tense", "melancholy", "mysterious", "peaceful"}
    drafts = session.graph.query(
        "MATCH (n:Note)-[:HAS_TAG]->(t:Tag {key: 'status', value: 'draft'}) RETURN n.path"
    )
    assert {r[0] for r in drafts} == {"Scenes/Fog at Low Tide.md", STORM}
    assert graph_tags(session, STORM) == {"mood:tense", "status:draft"}


async def test_frontmatter_link_fields_become_field_link_edges_named_by_field(
    session: VaultSession,
) -> None:
    rows = session.graph.query(
        "MATCH (s:Note {path: $path})-[:FIELD_LINK {field: 'characters'}]->(c:Note) RETURN c.path",
        {"path": STORM},
    )
    assert {r[0] for r in rows} == {
        "Characters/Alice.md",
        "Characters/Bram.md",
        "Characters/Verrin.md",
    }
    fields = graph_field_links(session)
    assert (STORM, "location", "Locations/Lighthouse.md") in fields
    assert (STORM, "music", "Music/Battle Drums.md") in fields
    assert ("Tasks/Zoe backstory.md", "about", "Characters/Zoe.md") in fields
    assert ("Characters/Alice.md", "relationships", "Characters/Verrin.md") in fields
    # Field links are not duplicated as body links.
    assert (STORM, "Music/Battle Drums.md") not in graph_links(session)


async def test_aliases_case_and_markdown_paths_resolve_to_the_right_notes(
    session: VaultSession,
) -> None:
    links = graph_links(session)
    fields = graph_field_links(session)
    # [[Zoë]] names the alias (and title) of Characters/Zoe.md.
    assert ("Scenes/Homecoming.md", "characters", "Characters/Zoe.md") in fields
    assert ("Scenes/Fog at Low Tide.md", "Characters/Zoe.md") in links
    # [[Al]] is an alias of Alice; [[Château Noir]] an alias of Locations/Chateau Noir.md.
    assert ("Characters/Bram.md", "Characters/Alice.md") in links
    assert ("Characters/Zoe.md", "Locations/Chateau Noir.md") in links
    assert ("Scenes/Letters in the Cellar.md", "location", "Locations/Chateau Noir.md") in fields
    # [[lighthouse|light]] matches Lighthouse.md case-insensitively.
    assert ("Scenes/Letters in the Cellar.md", "Locations/Lighthouse.md") in links
    # [the storm](Scenes/The%20Storm.md) is a markdown link with an encoded space.
    assert ("Story Outline.md", STORM) in links
    backlinks = await session.db.backlinks("Characters/Zoe.md")
    assert ("Scenes/Homecoming.md", "characters") in {(p, f) for p, f, _ in backlinks}


async def test_repeated_body_links_are_one_edge_with_a_count(session: VaultSession) -> None:
    rows = session.graph.query(
        "MATCH (a:Note {path: 'Scenes/Lantern Night.md'})-[r:LINKS_TO]->"
        "(b:Note {path: 'Characters/Alice.md'}) RETURN r.count"
    )
    # [[Alice|Alice Marsh]] and [[Alice#^first-meeting]].
    assert rows == [[2]]


async def test_the_only_unresolved_link_is_missing_harbour(session: VaultSession) -> None:
    unresolved = await session.db.unresolved_links()
    assert [(p, t) for p, t, _ in unresolved] == [("Scenes/Fog at Low Tide.md", "Missing Harbour")]
    # Links inside code blocks and code spans are not links at all.
    assert all(t != "Not A Link" for _, t, _ in unresolved)


async def test_doctor_finds_a_fresh_index_healthy(session: VaultSession) -> None:
    await assert_healthy(session)
