"""Listing a vault's markdown files, safely: ignore rules, symlink loops and unreadable folders."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from vespera.vault.model import Problem


@dataclass(frozen=True, slots=True)
class FileStat:
    """A markdown file found in the vault: its POSIX path relative to the root and its stat."""

    path: str
    mtime_ns: int
    size: int


@dataclass
class WalkResult:
    """The files found and the problems met while listing them (by vault-relative path)."""

    files: list[FileStat] = field(default_factory=list)
    problems: list[tuple[str, Problem]] = field(default_factory=list)


class IgnoreRules:
    """Decides which vault-relative paths are outside the index."""

    def __init__(self, patterns: list[str]) -> None:
        self._spec = pathspec.GitIgnoreSpec.from_lines(patterns) if patterns else None

    def ignored(self, rel_path: str, is_dir: bool = False) -> bool:
        """Whether ``rel_path`` (POSIX, relative to the vault) is left out.

        Everything under a dot-folder is (.git, .obsidian, .trash, .vespera ...), and whatever
        the vault's ``ignore`` patterns name.
        """
        parts = rel_path.split("/")
        if any(part.startswith(".") for part in parts):
            return True
        if self._spec is None:
            return False
        return bool(self._spec.match_file(rel_path + "/" if is_dir else rel_path))


def is_note_path(rel_path: str) -> bool:
    """Whether a path names a markdown note (markdown in a dot-folder, such as the hooks in
    ``.vespera/hooks``, is not one)."""
    return rel_path.lower().endswith(".md") and not (rel_path.startswith(".") or "/." in rel_path)


def walk_vault(root: Path, rules: IgnoreRules, start: str = "") -> WalkResult:
    """List every markdown note under ``root`` (or its folder ``start``), following symlinked
    folders without looping; paths are relative to ``root`` either way."""
    result = WalkResult()
    root_stat = root.stat()
    seen_dirs = {(root_stat.st_dev, root_stat.st_ino): ""}
    if start:
        start_stat = (root / start).stat()
        seen_dirs.setdefault((start_stat.st_dev, start_stat.st_ino), start)
    stack: list[str] = [start]
    while stack:
        rel_dir = stack.pop()
        try:
            entries = list(os.scandir(root / rel_dir if rel_dir else root))
        except OSError as exc:
            result.problems.append(
                (rel_dir or ".", Problem("unreadable-folder", f"Cannot list this folder: {exc}."))
            )
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                _visit(entry, rel, rules, seen_dirs, stack, result)
            except OSError as exc:
                result.problems.append((rel, Problem("unreadable-file", f"Cannot read: {exc}.")))
    return result


def _visit(
    entry: os.DirEntry[str],
    rel: str,
    rules: IgnoreRules,
    seen_dirs: dict[tuple[int, int], str],
    stack: list[str],
    result: WalkResult,
) -> None:
    is_link = entry.is_symlink()
    try:
        st = entry.stat(follow_symlinks=True)
    except (FileNotFoundError, NotADirectoryError):
        if is_link and is_note_path(rel) and not rules.ignored(rel):
            result.problems.append(
                (rel, Problem("broken-symlink", "This note is a link to a file that is missing."))
            )
        return
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link that points at itself, directly or not
            result.problems.append(
                (rel, Problem("symlink-loop", "This link loops back on itself; it is skipped."))
            )
            return
        raise
    if stat.S_ISDIR(st.st_mode):
        if rules.ignored(rel, is_dir=True):
            return
        identity = (st.st_dev, st.st_ino)
        if identity in seen_dirs:
            first = seen_dirs[identity] or "the vault root"
            result.problems.append(
                (
                    rel,
                    Problem(
                        "symlink-loop",
                        f"This folder is a link to '{first}', which is already indexed; "
                        "it is skipped so that no note is indexed twice.",
                        "info",
                    ),
                )
            )
            return
        seen_dirs[identity] = rel
        stack.append(rel)
    elif stat.S_ISREG(st.st_mode) and is_note_path(rel) and not rules.ignored(rel):
        result.files.append(FileStat(rel, st.st_mtime_ns, st.st_size))
