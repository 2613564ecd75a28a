"""Writing notes for rules: only inside the vault, only over what the run read."""

from __future__ import annotations

from pathlib import Path

import pytest

from vespera.automation.actions.create import safe_path
from vespera.automation.planning import ActionError
from vespera.automation.writes import (
    WriteConflictError,
    WriteRefusedError,
    read_disk,
    write_disk,
)

from ..stores import write_note


def test_write_disk_replaces_a_note_it_read_and_keeps_its_mode(tmp_path: Path) -> None:
    note = write_note(tmp_path, "a.md", "old\n")
    note.chmod(0o640)
    original = read_disk(tmp_path, "a.md")
    assert original is not None and original.text == "old\n"
    assert write_disk(tmp_path, "a.md", original, "new\n") == b"new\n"
    assert note.read_text(encoding="utf-8") == "new\n"
    assert note.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]  # no temporary file left


def test_write_disk_creates_a_note_and_its_folders(tmp_path: Path) -> None:
    write_disk(tmp_path, "New/Deep/b.md", None, "hi\n")
    assert (tmp_path / "New" / "Deep" / "b.md").read_text(encoding="utf-8") == "hi\n"


@pytest.mark.parametrize("rel", ["../outside.md", "Notes/../../outside.md", ".."])
def test_write_disk_refuses_a_path_leaving_the_vault(tmp_path: Path, rel: str) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    with pytest.raises(WriteRefusedError, match="outside the vault"):
        write_disk(vault, rel, None, "x")
    assert not (tmp_path / "outside.md").exists()


def test_write_disk_refuses_an_absolute_path(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    with pytest.raises(WriteRefusedError, match="outside the vault"):
        write_disk(vault, str(tmp_path / "outside.md"), None, "x")
    with pytest.raises(WriteRefusedError, match="outside the vault"):
        write_disk(vault, "/", None, "x")
    assert list(tmp_path.rglob("*.md")) == []


def test_write_disk_refuses_a_symlink_that_leads_out_of_the_vault(tmp_path: Path) -> None:
    vault, outside = tmp_path / "vault", tmp_path / "outside"
    vault.mkdir()
    outside.mkdir()
    target = write_note(outside, "secret.md", "keep\n")
    (vault / "Linked").symlink_to(outside)
    (vault / "note.md").symlink_to(target)
    with pytest.raises(WriteRefusedError):
        write_disk(vault, "Linked/new.md", None, "x")
    with pytest.raises(WriteRefusedError):
        write_disk(vault, "note.md", None, "x")
    assert read_disk(vault, "note.md") is None
    assert target.read_text(encoding="utf-8") == "keep\n"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.md"]


def test_write_disk_refuses_a_note_changed_since_it_was_read(tmp_path: Path) -> None:
    write_note(tmp_path, "a.md", "old\n")
    original = read_disk(tmp_path, "a.md")
    assert original is not None
    write_note(tmp_path, "a.md", "the writer's words\n")
    with pytest.raises(WriteConflictError, match="changed since the run read it"):
        write_disk(tmp_path, "a.md", original, "new\n")
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == "the writer's words\n"


def test_write_disk_refuses_to_create_a_note_that_appeared(tmp_path: Path) -> None:
    write_note(tmp_path, "a.md", "already here\n")
    with pytest.raises(WriteConflictError, match="appeared"):
        write_disk(tmp_path, "a.md", None, "new\n")


def test_write_disk_refuses_a_note_deleted_since_it_was_read(tmp_path: Path) -> None:
    write_note(tmp_path, "a.md", "old\n")
    original = read_disk(tmp_path, "a.md")
    (tmp_path / "a.md").unlink()
    with pytest.raises(WriteConflictError, match="cannot be read"):
        write_disk(tmp_path, "a.md", original, "new\n")


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("../x", "is not inside the vault"),
        ("Notes/../../x", "is not inside the vault"),
        ("/etc/x", "is not inside the vault"),
        ("C:/Users/x", "is not inside the vault"),
        ("..\\x", "is not inside the vault"),
        (".", "is not inside the vault"),
        (".vespera/rules/evil", "settings folder"),
        (".git/hooks/x", "settings folder"),
    ],
)
def test_safe_path_refuses_paths_outside_the_vault_or_in_settings(path: str, fragment: str) -> None:
    with pytest.raises(ActionError, match=fragment):
        safe_path(path)


def test_safe_path_normalises_and_adds_the_extension() -> None:
    assert safe_path("Ideas/./new idea") == "Ideas/new idea.md"
    assert safe_path("Ideas\\sub/x.MD") == "Ideas/sub/x.MD"
    assert safe_path("a/../b") == "b.md"
