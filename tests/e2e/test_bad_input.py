"""Bad input never stops the index and never loses data.

Each test puts one kind of damage next to two healthy notes, indexes, and checks that the
damage is recorded as a problem on the right path while everything else is indexed normally.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import vespera.index.indexer as indexer_module
from vespera.session import VaultSession
from vespera.vault.config import CONFIG_FILE
from vespera.vault.walk import IgnoreRules, WalkResult, walk_vault

from .stores import assert_healthy, graph_links, graph_notes, links_from, write_note

GOOD = {"Good/One.md", "Good/Two.md"}
MIB = 1024 * 1024


@pytest.fixture
def small_vault(tmp_path: Path) -> Path:
    """Two healthy notes that link to each other."""
    root = tmp_path / "vault"
    write_note(root, "Good/One.md", "# One\n\nSee [[Two]]. #good\n")
    write_note(root, "Good/Two.md", "# Two\n\nBack to [[One]].\n")
    return root


async def problem_codes(session: VaultSession) -> set[tuple[str, str]]:
    """``(path, code)`` of every recorded problem."""
    return {(path, p.code) for path, p in await session.db.problems()}


async def assert_good_notes_indexed(session: VaultSession) -> None:
    """The healthy notes are in both stores with their link."""
    assert set(await session.db.file_states()) >= GOOD
    assert ("Good/One.md", "Good/Two.md") in graph_links(session)


async def test_invalid_utf8_is_a_problem_and_the_note_is_still_indexed(
    small_vault: Path, state_dir: Path
) -> None:
    (small_vault / "Bad").mkdir()
    (small_vault / "Bad/Latin1.md").write_bytes(b"# Caf\xe9\n\nSee [[One]]. #latin\n")

    async with await VaultSession.open(small_vault, state_dir) as session:
        report = await session.index()

        assert report.parsed == 3
        problems = await session.db.problems("Bad/Latin1.md")
        assert [(p.code, p.severity) for _, p in problems] == [("invalid-utf8", "error")]
        assert problems[0][1].range is not None and problems[0][1].range.start_line == 0
        assert ("One", "Good/One.md", 1) in links_from(state_dir, "Bad/Latin1.md")
        assert [t.norm for t in await session.db.tag_counts("latin")] == ["latin"]
        assert ("Bad/Latin1.md", "Good/One.md") in graph_links(session)
        await assert_good_notes_indexed(session)
        await assert_healthy(session)


async def test_a_binary_file_named_md_is_indexed_by_name_with_a_problem(
    small_vault: Path, state_dir: Path
) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    (small_vault / "Image.md").write_bytes(png)

    async with await VaultSession.open(small_vault, state_dir) as session:
        await session.index()

        assert await problem_codes(session) == {("Image.md", "binary-file")}
        assert "Image.md" in graph_notes(session)
        assert links_from(state_dir, "Image.md") == set()
        await assert_good_notes_indexed(session)
        await assert_healthy(session)


async def test_notes_over_max_note_bytes_are_indexed_by_name_only(
    small_vault: Path, state_dir: Path
) -> None:
    write_note(small_vault, CONFIG_FILE, f"max_note_bytes: {MIB}\n")
    line = "[[One]] #huge some words to fill the line\n"
    write_note(small_vault, "Huge.md", line * (3 * MIB // len(line) + 1))
    # 50 MB, mostly a hole: the indexer must not read (or hash) it at all.
    with (small_vault / "Enormous.md").open("wb") as handle:
        handle.write(b"# Enormous\n[[Two]]\n")
        handle.truncate(50 * MIB)

    async with await VaultSession.open(small_vault, state_dir) as session:
        started = time.perf_counter()
        report = await session.index()
        assert time.perf_counter() - started < 10

        assert report.parsed == 4 and report.unreadable == 0
        assert await problem_codes(session) == {
            ("Huge.md", "file-too-large"),
            ("Enormous.md", "file-too-large"),
        }
        assert {"Huge.md", "Enormous.md"} <= graph_notes(session)
        assert links_from(state_dir, "Huge.md") == links_from(state_dir, "Enormous.md") == set()
        assert await session.db.tag_counts("huge") == []

        again = await session.index()
        assert (again.parsed, again.touched) == (0, 0)
        assert await problem_codes(session) == {
            ("Huge.md", "file-too-large"),
            ("Enormous.md", "file-too-large"),
        }
        await assert_good_notes_indexed(session)
        await assert_healthy(session)


async def test_symlink_loops_and_broken_symlinks_are_problems_not_crashes(
    small_vault: Path, state_dir: Path
) -> None:
    (small_vault / "Good" / "Up").symlink_to("..")  # a folder linked to its parent
    (small_vault / "Self.md").symlink_to("Self.md")  # a file linked to itself
    (small_vault / "Dangling.md").symlink_to("Nowhere.md")

    async with await VaultSession.open(small_vault, state_dir) as session:
        report = await session.index()

        assert report.files == 2
        assert set(await session.db.file_states()) == GOOD
        assert await problem_codes(session) == {
            ("Good/Up", "symlink-loop"),
            ("Self.md", "symlink-loop"),
            ("Dangling.md", "broken-symlink"),
        }
        await assert_good_notes_indexed(session)
        await assert_healthy(session)


async def test_a_folder_reachable_twice_through_a_symlink_is_indexed_once(
    small_vault: Path, state_dir: Path
) -> None:
    (small_vault / "Mirror").symlink_to(small_vault / "Good")

    async with await VaultSession.open(small_vault, state_dir) as session:
        report = await session.index()

        # Whichever of the two the walk meets first is indexed; the other is a problem.
        stored = set(await session.db.file_states())
        assert report.files == len(stored) == 2
        assert {p.split("/")[1] for p in stored} == {"One.md", "Two.md"}
        (folder,) = {p.split("/")[0] for p in stored}
        other = "Mirror" if folder == "Good" else "Good"
        assert await problem_codes(session) == {(other, "symlink-loop")}
        await assert_healthy(session)


async def test_a_broken_symlink_problem_clears_once_its_target_exists(
    small_vault: Path, state_dir: Path
) -> None:
    (small_vault / "Link.md").symlink_to("Target.md")

    async with await VaultSession.open(small_vault, state_dir) as session:
        await session.index()
        assert await problem_codes(session) == {("Link.md", "broken-symlink")}

        write_note(small_vault, "Target.md", "# Target\n")
        report = await session.index()

        assert report.parsed == 2
        assert await problem_codes(session) == set()
        assert {"Link.md", "Target.md"} <= graph_notes(session)


def _walk_then(damage: list[str], how: str) -> object:
    """``walk_vault`` that changes the listed files right after listing them (a race)."""

    def walk(root: Path, rules: IgnoreRules) -> WalkResult:
        result = walk_vault(root, rules)
        for rel in damage:
            (root / rel).unlink()
            if how == "directory":
                (root / rel).mkdir()
        return result

    return walk


@pytest.mark.parametrize("how", ["deleted", "directory"])
async def test_files_that_vanish_between_listing_and_reading_are_skipped_or_removed(
    small_vault: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    write_note(small_vault, "Old.md", "# Old\n[[One]]\n")
    async with await VaultSession.open(small_vault, state_dir) as session:
        await session.index()
        write_note(small_vault, "Old.md", "# Old, edited\n")
        write_note(small_vault, "New.md", "# New\n")
        monkeypatch.setattr(indexer_module, "walk_vault", _walk_then(["Old.md", "New.md"], how))

        report = await session.index()

        assert report.files == 4 and report.parsed == 0 and report.deleted == 1
        assert set(await session.db.file_states()) == GOOD
        assert {"Old.md", "New.md"}.isdisjoint(graph_notes(session))
        await assert_good_notes_indexed(session)
        monkeypatch.undo()
        await assert_healthy(session)


async def test_a_folder_with_3000_notes_is_indexed_completely(
    small_vault: Path, state_dir: Path
) -> None:
    flat = small_vault / "Flat"
    flat.mkdir()
    for i in range(3000):
        (flat / f"Note {i:04d}.md").write_text(
            f"# Note {i}\n\nNext: [[Note {(i + 1) % 3000:04d}]] #flat\n", encoding="utf-8"
        )

    async with await VaultSession.open(small_vault, state_dir) as session:
        report = await session.index()

        assert report.parsed == report.files == 3002
        stats = await session.db.stats()
        assert (stats.notes, stats.unresolved_links) == (3002, 0)
        assert [(t.norm, t.notes) for t in await session.db.tag_counts("flat")] == [("flat", 3000)]
        links = graph_links(session)
        assert ("Flat/Note 2999.md", "Flat/Note 0000.md") in links
        assert len(links) == 3002
        await assert_healthy(session)


@pytest.mark.parametrize(
    "text",
    [
        "ignore: [Good/**\nmax_note_bytes: 1\n",  # not YAML
        "- Good/**\n",  # not a mapping
        "ignore: [Good/**]\nmax_note_bytes: 12\n",  # below the minimum
        "ignore: [Good/**]\nignore_case: true\n",  # an unknown setting
    ],
    ids=["invalid-yaml", "not-a-mapping", "invalid-value", "unknown-key"],
)
async def test_a_malformed_config_is_a_problem_and_defaults_apply(
    small_vault: Path, state_dir: Path, text: str
) -> None:
    write_note(small_vault, CONFIG_FILE, text)

    async with await VaultSession.open(small_vault, state_dir) as session:
        report = await session.index()

        assert await problem_codes(session) == {(CONFIG_FILE, "config-invalid")}
        # Defaults: nothing is ignored, so the Good notes the config meant to skip are indexed.
        assert report.parsed == 2
        await assert_good_notes_indexed(session)

        write_note(small_vault, CONFIG_FILE, "ignore: [Good/**]\n")
        await session.update([CONFIG_FILE])

        assert await problem_codes(session) == set()
        assert await session.db.file_states() == {}
        assert graph_notes(session) == set()
