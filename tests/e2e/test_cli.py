"""The ``vespera`` command line: results on stdout (text or JSON), exit codes, state folders."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from vespera.cli.main import main

from .stores import note_files


def _text(output: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(output.split())


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The captured stdout, which must be one JSON document and nothing else."""
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_index_prints_a_summary_and_a_second_run_parses_nothing(
    vault: Path, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["index", str(vault), "--state-dir", str(state_dir)]

    assert main(argv) == 0
    out = _text(capsys.readouterr().out)
    assert "Indexed vault: 23 notes, 23 parsed, 0 unchanged, 0 touched, 0 deleted" in out
    assert "graph: bulk" in out

    assert main(argv) == 0
    assert "23 notes, 0 parsed, 23 unchanged" in _text(capsys.readouterr().out)


def test_index_json_is_the_report(
    vault: Path, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(vault), "--state-dir", str(state_dir), "--json"]) == 0

    report = _json(capsys)
    assert (report["files"], report["parsed"], report["problems"]) == (23, 23, 0)
    assert report["renamed"] == []
    assert report["vault"] == str(vault.resolve())


def test_index_rebuild_parses_everything_again(
    vault: Path, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(vault), "--state-dir", str(state_dir)]) == 0
    capsys.readouterr()

    assert main(["index", str(vault), "--state-dir", str(state_dir), "--rebuild", "--json"]) == 0

    report = _json(capsys)
    assert (report["parsed"], report["unchanged"], report["graph"]) == (23, 0, "bulk")
    assert main(["doctor", str(vault), "--state-dir", str(state_dir)]) == 0


def test_stats_text_lists_totals_and_the_broken_link(
    vault: Path, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(vault), "--state-dir", str(state_dir)]) == 0
    capsys.readouterr()

    assert main(["stats", str(vault), "--state-dir", str(state_dir)]) == 0

    captured = capsys.readouterr()
    out = _text(captured.out)
    assert re.search(r"\bnotes\W+23\W", out)  # a table row, whatever its borders
    assert "links (unresolved, ambiguous)" in out
    assert "Broken links (1):" in out
    assert "Scenes/Fog at Low Tide.md:15 [[Missing Harbour]] matches no note" in out
    assert "Types: scene 6, music 5, character 4, task 4, location 3, (none) 1" in out
    assert captured.err == ""


def test_stats_json_holds_totals_tags_and_unresolved_links(
    vault: Path, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(vault), "--state-dir", str(state_dir)]) == 0
    capsys.readouterr()

    assert main(["stats", str(vault), "--state-dir", str(state_dir), "--json"]) == 0

    data = _json(capsys)
    assert data["stats"]["notes"] == 23
    assert data["stats"]["unresolved_links"] == 1
    assert data["unresolved_links"] == [
        {"path": "Scenes/Fog at Low Tide.md", "target": "Missing Harbour", "line": 15}
    ]
    assert data["problems"] == []
    assert {"name": "mood:joyful", "count": 3, "notes": 3} in [
        {k: t[k] for k in ("name", "count", "notes")} for t in data["top_tags"]
    ]
    assert data["state_dir"] == str(state_dir.resolve())


def test_without_state_dir_the_index_lives_under_vespera_data_dir(
    vault: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(vault), "--json"]) == 0
    assert _json(capsys)["parsed"] == 23

    (folder,) = (data_dir / "vaults").iterdir()
    assert folder.name.startswith("vault-")
    assert (folder / "index.sqlite").is_file()
    assert main(["stats", str(vault), "--json"]) == 0
    assert _json(capsys)["state_dir"] == str(folder)


def test_a_vault_that_is_not_a_folder_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", str(tmp_path / "missing"), "--state-dir", str(tmp_path / "s")]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "is not a folder" in _text(captured.err)


def test_gen_vault_writes_a_vault_that_indexes_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "generated"

    assert main(["gen-vault", str(target), "--notes", "60", "--seed", "3"]) == 0

    captured = capsys.readouterr()
    assert "Wrote 60 notes" in _text(captured.out + captured.err)
    assert len(note_files(target)) == 60
    assert main(["index", str(target), "--state-dir", str(tmp_path / "s"), "--json"]) == 0
    report = _json(capsys)
    assert report["parsed"] == 60
    assert main(["doctor", str(target), "--state-dir", str(tmp_path / "s")]) == 0


def test_gen_vault_refuses_a_non_empty_folder(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = note_files(vault)

    assert main(["gen-vault", str(vault), "--notes", "5"]) == 2

    assert "error:" in capsys.readouterr().err
    assert note_files(vault) == before


def test_events_tail_query_and_replay_read_the_log(
    vault: Path, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = ["index", str(vault), "--state-dir", str(state_dir)]
    where = [str(vault), "--state-dir", str(state_dir)]
    assert main(index) == 0
    storm = vault / "Scenes" / "The Storm.md"
    storm.write_text(storm.read_text(encoding="utf-8").replace("status:draft", "status:final"))
    (vault / "Scenes" / "Epilogue.md").write_text("---\ntype: scene\n---\n#mood:calm\n")
    assert main(index) == 0
    assert "events logged" in capsys.readouterr().out

    assert main(["events", "tail", *where, "-n", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2

    assert main(["events", "query", *where, "--type", "tag_changed", "--json"]) == 0
    found = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {e["subject"] for e in found} == {"Scenes/The Storm.md", "Scenes/Epilogue.md"}
    assert {e["actor"] for e in found} == {"catch-up"}  # changed while nothing ran

    assert main(["events", "query", *where, "--subject", "Scenes/The Storm.md"]) == 0
    out = _text(capsys.readouterr().out)
    assert "status: draft -> final" in out and "Epilogue" not in out

    assert main(["events", "replay", *where, "--after", "1", "--json"]) == 0
    captured = capsys.readouterr()
    sequences = [json.loads(line)["sequence"] for line in captured.out.splitlines()]
    assert sequences == list(range(2, len(sequences) + 2))
    assert f"Replayed {len(sequences)} events" in captured.err

    assert main(["events", "query", *where, "--since", "not a time"]) == 2
    assert "not a time" in capsys.readouterr().err


def test_events_of_a_vault_never_indexed_say_so(
    vault: Path, state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "tail", str(vault), "--state-dir", str(state_dir)]) == 2
    assert "no event log" in capsys.readouterr().err
