"""``vespera doctor`` names exactly what differs between the files, SQLite and Kuzu."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from vespera.cli.main import main
from vespera.index.doctor import Finding, diagnose
from vespera.session import INDEX_FILE, VaultSession

from .stores import assert_healthy, findings, write_note

BRAM = "Characters/Bram.md"
FOG_BELLS = "Music/Fog Bells.md"


async def test_a_note_deleted_from_the_graph_is_found_and_rebuild_restores_it(
    session: VaultSession, vault: Path, state_dir: Path
) -> None:
    session.graph.query("MATCH (n:Note {path: $path}) DETACH DELETE n", {"path": BRAM})

    found = await findings(session)

    assert Finding("sqlite/graph", "note missing from graph", BRAM) in found
    # Its edges went with it; each finding names the note, and no other note is blamed.
    assert all(BRAM in f.item for f in found)
    assert {f.kind for f in found} == {
        "note missing from graph",
        "HAS_TAG edge missing from graph",
        "LINKS_TO edge missing from graph",
        "FIELD_LINK edge missing from graph",
    }
    await session.close()

    async with await VaultSession.open(vault, state_dir, rebuild=True) as rebuilt:
        report = await rebuilt.index()
        assert report.parsed == report.files
        await assert_healthy(rebuilt)


async def test_one_edge_deleted_from_the_graph_is_the_only_finding(
    session: VaultSession,
) -> None:
    session.graph.query(
        "MATCH (:Note {path: 'Scenes/The Storm.md'})-[r:FIELD_LINK {field: 'music'}]->() DELETE r"
    )

    assert await findings(session) == [
        Finding(
            "sqlite/graph",
            "FIELD_LINK edge missing from graph",
            "Scenes/The Storm.md -> Music/Battle Drums.md -> music",
        )
    ]


async def test_an_extra_graph_edge_is_found(session: VaultSession) -> None:
    session.graph.query(
        "MATCH (a:Note {path: 'Music/Fog Bells.md'}), (b:Note {path: 'Characters/Alice.md'}) "
        "CREATE (a)-[:LINKS_TO {count: 1}]->(b)"
    )

    assert await findings(session) == [
        Finding(
            "sqlite/graph",
            "graph has an extra LINKS_TO edge",
            "Music/Fog Bells.md -> Characters/Alice.md -> 1",
        )
    ]


async def test_a_changed_title_in_the_graph_is_found(session: VaultSession) -> None:
    session.graph.query("MATCH (n:Note {path: $p}) SET n.title = 'Wrong'", {"p": BRAM})

    found = await findings(session)

    assert [(f.kind, f.item.split(":")[0]) for f in found] == [("title or type differs", BRAM)]


async def test_a_note_row_deleted_from_sqlite_is_found_and_index_restores_it(
    vault: Path, state_dir: Path
) -> None:
    async with await VaultSession.open(vault, state_dir) as session:
        await session.index()
    with sqlite3.connect(state_dir / INDEX_FILE) as conn:
        conn.execute("PRAGMA foreign_keys=ON")  # its tags, links... go with it, as in a real loss
        conn.execute("DELETE FROM notes WHERE path = ?", (FOG_BELLS,))
    conn.close()

    async with await VaultSession.open(vault, state_dir) as session:
        found = await findings(session)
        assert Finding("files/sqlite", "file not indexed", FOG_BELLS) in found
        assert Finding("sqlite/graph", "graph has a note the index does not", FOG_BELLS) in found
        assert all(FOG_BELLS in f.item for f in found)

        report = await session.index()

        assert report.parsed == 1
        await assert_healthy(session)


async def test_orphaned_rows_fail_the_integrity_check_until_a_rebuild(
    vault: Path, state_dir: Path
) -> None:
    async with await VaultSession.open(vault, state_dir) as session:
        await session.index()
    with sqlite3.connect(state_dir / INDEX_FILE) as conn:
        # Without foreign keys on, the note's tags and links stay behind, pointing at nothing.
        conn.execute("DELETE FROM notes WHERE path = ?", (FOG_BELLS,))
    conn.close()

    async with await VaultSession.open(vault, state_dir) as session:
        report = await diagnose(session)
        assert not report.healthy
        assert "refer to missing notes" in report.integrity

    async with await VaultSession.open(vault, state_dir, rebuild=True) as session:
        await session.index()
        await assert_healthy(session)


async def test_a_file_edited_without_reindexing_is_found_and_index_fixes_it(
    session: VaultSession, vault: Path
) -> None:
    write_note(vault, BRAM, "---\ntype: character\n---\n\nEdited behind the index's back.\n")

    assert await findings(session) == [
        Finding("files/sqlite", "file changed since it was indexed", BRAM)
    ]

    await session.index()
    await assert_healthy(session)


async def test_new_and_deleted_files_are_found(session: VaultSession, vault: Path) -> None:
    write_note(vault, "Notes/Unindexed.md", "Not yet indexed.\n")
    (vault / BRAM).unlink()

    assert await findings(session) == [
        Finding("files/sqlite", "file not indexed", "Notes/Unindexed.md"),
        Finding("files/sqlite", "indexed note has no file", BRAM),
    ]

    await session.index()
    await assert_healthy(session)


def test_doctor_command_exits_1_and_prints_the_difference_then_0_when_healthy(
    vault: Path, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["doctor", str(vault), "--state-dir", str(state_dir)]
    assert main(["index", str(vault), "--state-dir", str(state_dir)]) == 0
    assert main(argv) == 0
    assert "agree" in capsys.readouterr().out

    write_note(vault, BRAM, "Edited.\n")
    assert main(argv) == 1
    out = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    assert f"[files/sqlite] file changed since it was indexed: {BRAM}" in out
    assert "1 differences" in out

    assert main([*argv, "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["healthy"] is False
    assert data["findings"] == [
        {"area": "files/sqlite", "kind": "file changed since it was indexed", "item": BRAM}
    ]

    assert main(["index", str(vault), "--state-dir", str(state_dir)]) == 0
    assert main(argv) == 0
