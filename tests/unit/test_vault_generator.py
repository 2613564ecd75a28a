"""Tests for the deterministic vault generator used by benchmarks and tests."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from vespera.gen import GeneratedVault, generate_vault, vault_generator

NOTES = 200
FOLDER_TYPES = {
    "Scenes": "scene",
    "Characters": "character",
    "Locations": "location",
    "Music": "music",
    "Tasks": "task",
    "Notes": None,  # untyped notes carry frontmatter without a ``type`` key
}
_FENCE = re.compile(r"^```.*?^```$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
# A ``#`` at the start of a word and followed by a tag character: not a heading, not [[X#H]].
_INLINE_TAG = re.compile(r"(?<!\S)#[^\s#]")
_FORBIDDEN_IN_TITLE = re.compile(r'[/\\:*?"<>|#^\[\]]')


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> GeneratedVault:
    return generate_vault(tmp_path_factory.mktemp("gen") / "vault", NOTES, seed=0)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.md"))}


def _split(text: str) -> tuple[dict[str, Any], str]:
    assert text.startswith("---\n")
    head, _, body = text[4:].partition("\n---\n")
    frontmatter = yaml.safe_load(head)
    assert isinstance(frontmatter, dict)
    return frontmatter, body


def _frontmatter_tags(frontmatter: dict[str, Any]) -> list[str]:
    value = frontmatter.get("tags", frontmatter.get("tag"))
    if isinstance(value, str):
        return [t.strip() for t in value.split(",")]
    assert isinstance(value, list)
    return [str(t) for t in value]


def _notes(vault: GeneratedVault) -> list[tuple[Path, dict[str, Any], str]]:
    result = []
    for path in sorted(vault.root.rglob("*.md")):
        frontmatter, body = _split(path.read_text(encoding="utf-8"))
        result.append((path, frontmatter, body))
    return result


def test_same_seed_writes_identical_files(tmp_path: Path) -> None:
    generate_vault(tmp_path / "a", NOTES, seed=7)
    generate_vault(tmp_path / "b", NOTES, seed=7)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_different_seed_writes_a_different_vault(tmp_path: Path) -> None:
    generate_vault(tmp_path / "a", NOTES, seed=1)
    generate_vault(tmp_path / "b", NOTES, seed=2)
    assert _files(tmp_path / "a") != _files(tmp_path / "b")


def test_returned_counts_match_the_files_on_disk(vault: GeneratedVault) -> None:
    links = tags = 0
    for path, frontmatter, body in _notes(vault):
        # Code deliberately holds link- and tag-like text that must not count.
        text = _CODE_SPAN.sub("", _FENCE.sub("", path.read_text(encoding="utf-8")))
        links += text.count("[[")
        tags += len(_frontmatter_tags(frontmatter))
        tags += len(_INLINE_TAG.findall(_CODE_SPAN.sub("", _FENCE.sub("", body))))
    assert vault.notes == NOTES == len(list(vault.root.rglob("*.md")))
    assert (vault.links, vault.tags) == (links, tags)


def test_every_note_has_yaml_frontmatter_whose_type_matches_its_folder(
    vault: GeneratedVault,
) -> None:
    seen = Counter[str]()
    for path, frontmatter, _ in _notes(vault):
        folder = path.relative_to(vault.root).parts[0]
        assert frontmatter.get("type") == FOLDER_TYPES[folder], path
        seen[folder] += 1
    assert set(seen) == set(FOLDER_TYPES)
    assert seen["Scenes"] == 70  # 35% of 200


def test_type_specific_fields_hold_wikilinks(vault: GeneratedVault) -> None:
    for path, fm, _ in _notes(vault):
        if fm.get("type") == "scene":
            assert 1 <= len(fm["characters"]) <= 4
            assert all(re.fullmatch(r"\[\[[^\[\]]+\]\]", c) for c in fm["characters"]), path
            assert fm["location"].startswith("[[")
            moods = [t for t in _frontmatter_tags(fm) if t.startswith("mood:")]
            assert len(moods) == 1, path
        elif fm.get("type") == "task":
            assert fm["status"] in ("open", "done")
            assert fm["about"].startswith("[[")
        elif fm.get("type") == "character":
            assert isinstance(fm["relationships"], list)


def test_refuses_a_non_empty_root(tmp_path: Path) -> None:
    (tmp_path / "keep.md").write_text("mine\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match="not empty"):
        generate_vault(tmp_path, 10)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.md"]


def test_creates_a_missing_root_and_accepts_an_empty_one(tmp_path: Path) -> None:
    assert generate_vault(tmp_path / "new" / "vault", 5).notes == 5
    (tmp_path / "empty").mkdir()
    assert generate_vault(tmp_path / "empty", 5).notes == 5


def test_titles_include_non_ascii_and_avoid_reserved_characters(vault: GeneratedVault) -> None:
    titles = [p.stem for p in vault.root.rglob("*.md")]
    assert sum(not t.isascii() for t in titles) >= 5
    for title in titles:
        assert not _FORBIDDEN_IN_TITLE.search(title), title
        assert title == title.strip() and unicodedata.is_normalized("NFC", title), title


def test_some_titles_repeat_in_different_folders(vault: GeneratedVault) -> None:
    by_name = Counter(p.name.casefold() for p in vault.root.rglob("*.md"))
    repeated = sum(count - 1 for count in by_name.values() if count > 1)
    assert 1 <= repeated <= NOTES * 0.05


def test_large_folders_split_into_numbered_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vault_generator, "FOLDER_SIZE", 30)  # as if 70 scenes were 3,500
    generate_vault(tmp_path, NOTES)
    parts = sorted(p.name for p in (tmp_path / "Scenes").iterdir())
    assert parts == ["Part 01", "Part 02", "Part 03"]
    assert sum(1 for _ in (tmp_path / "Scenes").rglob("*.md")) == 70


def test_mean_note_size_is_a_few_kilobytes(vault: GeneratedVault) -> None:
    sizes = [p.stat().st_size for p in vault.root.rglob("*.md")]
    assert 2000 <= sum(sizes) / len(sizes) <= 4000
