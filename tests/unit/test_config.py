"""Reading .vespera/config.yaml: defaults, valid settings, and broken files that stop nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from vespera.vault.config import VaultConfig, load_config


def _write(root: Path, text: str) -> None:
    (root / ".vespera").mkdir(exist_ok=True)
    (root / ".vespera" / "config.yaml").write_text(text, encoding="utf-8")


def test_missing_config_gives_defaults_without_problems(tmp_path: Path) -> None:
    config, problems = load_config(tmp_path)
    assert config == VaultConfig()
    assert problems == []


def test_valid_config_is_read(tmp_path: Path) -> None:
    _write(tmp_path, "ignore: ['Templates/**']\nmax_note_bytes: 2048\n")
    config, problems = load_config(tmp_path)
    assert config.ignore == ["Templates/**"]
    assert config.max_note_bytes == 2048
    assert problems == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("ignore: [unclosed\n", "not valid YAML"),
        ("- a list\n", "must be a mapping"),
        ("ignroe: []\n", "ignroe"),
        ("max_note_bytes: -5\n", "max_note_bytes"),
    ],
)
def test_broken_config_gives_defaults_and_a_clear_problem(
    tmp_path: Path, text: str, fragment: str
) -> None:
    _write(tmp_path, text)
    config, problems = load_config(tmp_path)
    assert config == VaultConfig()
    assert len(problems) == 1
    assert problems[0].code == "config-invalid"
    assert fragment in problems[0].message


def test_undecodable_config_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / ".vespera").mkdir()
    (tmp_path / ".vespera" / "config.yaml").write_bytes(b"ignore: [\xff\xfe]\n")
    config, problems = load_config(tmp_path)
    assert config == VaultConfig()
    assert "Cannot read" in problems[0].message
