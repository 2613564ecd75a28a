"""``vespera related``, ``vespera search`` and ``vespera model`` as a writer runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .stores import run_cli

VAULT = Path(__file__).resolve().parents[1] / "vaults" / "semantic"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return Path(shutil.copytree(VAULT, tmp_path / "vault"))


def test_related_prints_the_nearest_notes_with_reasons(vault: Path, tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    done = run_cli("related", str(vault), "The Cellar", "--state-dir", state, "--limit", "10")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    titles = [line.split("  ")[1] for line in lines[::2]]
    assert titles.index("Mira") < titles.index("Tobin")
    assert "similar meaning" in lines[1]

    as_json = run_cli(
        "related",
        str(vault),
        "Scenes/The Siege.md",
        "--state-dir",
        state,
        "--json",
        "--hide-linked",
        "--type",
        "character",
    )
    rows = json.loads(as_json.stdout)
    assert [r["path"] for r in rows] == ["Characters/Mira.md"]
    assert rows[0]["reasons"][0].startswith("similar meaning")


def test_search_finds_by_meaning_and_says_when_a_note_is_unknown(
    vault: Path, tmp_path: Path
) -> None:
    state = str(tmp_path / "state")
    done = run_cli("search", str(vault), "afraid of the dark", "--state-dir", state, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["path"] == "Characters/Mira.md"
    unknown = run_cli("related", str(vault), "Nobody", "--state-dir", state)
    assert unknown.returncode == 2 and "No note called 'Nobody'" in unknown.stderr


def test_model_info_says_which_model_is_ready() -> None:
    done = run_cli("model", "info")
    assert done.returncode == 0, done.stderr
    assert "provider: local" in done.stdout
    assert "ready: all-MiniLM-L6-v2 (int8, 384 dims)" in done.stdout


def test_model_prepare_makes_a_model_from_a_checkpoint_folder(tmp_path: Path) -> None:
    from vespera.semantic.model_files import bundled_checkpoint, read_prepared

    source = bundled_checkpoint()
    assert source is not None
    target = tmp_path / "prepared"
    done = run_cli(
        "model", "prepare", "--from", str(source), "--to", str(target), "--precision", "float32"
    )
    assert done.returncode == 0, done.stderr
    prepared = read_prepared(target)
    assert prepared is not None and prepared.precision == "float32"
    assert prepared.dimensions == 384
    broken = run_cli("model", "prepare", "--from", str(tmp_path), "--to", str(tmp_path / "x"))
    assert broken.returncode == 1 and "Cannot prepare the model" in broken.stderr
