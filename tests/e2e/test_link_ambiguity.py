"""Several notes with one name: the shortest path wins, and the candidates are recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

from vespera.session import VaultSession

from .conftest import FIXTURE_VAULTS
from .stores import assert_healthy, graph_field_links, graph_links, links_from, write_note

ALICE = "Characters/Alice.md"
STORM = "Scenes/The Storm.md"


async def test_two_files_with_one_name_record_two_candidates_and_pick_the_shorter_path(
    tmp_path: Path,
) -> None:
    vault = Path(shutil.copytree(FIXTURE_VAULTS / "ambiguous-names", tmp_path / "vault"))
    state = tmp_path / "state"
    async with await VaultSession.open(vault, state) as session:
        await session.index()

        assert links_from(state, "Linker.md") == {
            ("Note", "Projects/Note.md", 2),
            ("note", "Projects/Note.md", 2),
            # A folder in the target narrows it down to one file.
            ("Archive/2023/Note", "Projects/Archive/2023/Note.md", 1),
        }
        stats = await session.db.stats()
        assert stats.ambiguous_links == 3  # the body links and the frontmatter field
        assert stats.unresolved_links == 0
        assert ("Linker.md", "related", "Projects/Note.md") in graph_field_links(session)
        assert {b for a, b in graph_links(session) if a == "Linker.md"} == {
            "Projects/Note.md",
            "Projects/Archive/2023/Note.md",
        }
        await assert_healthy(session)


async def test_a_new_namesake_makes_existing_links_ambiguous_without_moving_them(
    session: VaultSession, vault: Path, state_dir: Path
) -> None:
    write_note(vault, "Archive/Old drafts/Alice.md", "# Alice, first draft\n")

    report = await session.index()

    assert report.parsed == 1
    assert ("Alice", ALICE, 2) in links_from(state_dir, STORM)
    # [[Al]] matches no file name, only Alice's alias: it stays unambiguous.
    assert ("Al", ALICE, 1) in links_from(state_dir, "Characters/Bram.md")
    assert (await session.db.stats()).ambiguous_links > 0
    await assert_healthy(session)


async def test_a_shorter_namesake_takes_over_links_and_gives_them_back_when_deleted(
    session: VaultSession, vault: Path, state_dir: Path
) -> None:
    shorter = "A/Alice.md"
    write_note(vault, shorter, "# Another Alice\n")

    await session.index()

    assert ("Alice", shorter, 2) in links_from(state_dir, STORM)
    assert (STORM, "characters", shorter) in graph_field_links(session)
    assert (STORM, "characters", ALICE) not in graph_field_links(session)
    assert ("Scenes/Lantern Night.md", shorter) in graph_links(session)
    await assert_healthy(session)

    (vault / shorter).unlink()
    await session.index()

    assert ("Alice", ALICE, 1) in links_from(state_dir, STORM)
    assert (STORM, "characters", ALICE) in graph_field_links(session)
    assert ("Scenes/Lantern Night.md", ALICE) in graph_links(session)
    await assert_healthy(session)
