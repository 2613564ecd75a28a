"""Resolving link targets to note paths, the way Obsidian does.

A wikilink names a note by file name without ``.md``, case-insensitively; when several files
share the name the one with the shortest path wins and the link is marked ambiguous. A name that
matches no file may match a note's frontmatter ``aliases``. A target with folders
(``[[People/Alice]]``) matches files whose path ends with it. Markdown links are paths relative
to the linking note (or, failing that, to the vault root). Names are compared after Unicode NFC
normalisation and case folding, so a file name stored decomposed (as macOS does) still matches.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from posixpath import basename, dirname, join, normpath

from vespera.vault.model import LinkKind


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The comparison key of a name: NFC-normalised and case-folded."""
    return unicodedata.normalize("NFC", text).casefold()


def strip_md(path: str) -> str:
    """``path`` without a trailing ``.md`` (any case)."""
    return path[:-3] if path.lower().endswith(".md") else path


@lru_cache(maxsize=65536)
def target_name(target: str) -> str:
    """The folded last segment of a wikilink target: the name whose notes decide where it goes.

    Stripped as :meth:`LinkResolver.resolve` strips it, so that ``[[/People/Alice/]]`` is
    known to depend on the notes called "alice".
    """
    return fold(strip_md(target.strip().strip("/"))).rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a link points: ``path`` is ``None`` when unresolved; ``candidates`` counts matches."""

    path: str | None
    candidates: int

    @property
    def ambiguous(self) -> bool:
        """Whether more than one note matched."""
        return self.candidates > 1


UNRESOLVED = Resolution(None, 0)


def _shortest(paths: Iterable[str]) -> str:
    return min(paths, key=lambda p: (len(p), p))


class LinkResolver:
    """An in-memory map from names, aliases and paths to notes, updated note by note.

    Paths are looked up by their folded form, which on a case-sensitive file system more than
    one file may share (``Note.md`` and ``note.md``); each folded path keeps them all.
    """

    def __init__(self) -> None:
        self._by_name: dict[str, set[str]] = {}
        self._by_alias: dict[str, set[str]] = {}
        self._by_path: dict[str, set[str]] = {}
        self._aliases: dict[str, tuple[str, ...]] = {}

    def __contains__(self, path: str) -> bool:
        return path in self._aliases

    def __len__(self) -> int:
        return len(self._aliases)

    def add(self, path: str, aliases: Iterable[str] = ()) -> set[str]:
        """Add or update a note; returns the folded names whose resolution may have changed."""
        folded = tuple(dict.fromkeys(fold(a) for a in aliases if a))
        if path in self._aliases:
            before = set(self._aliases[path])
            if before == set(folded):
                return set()
            for alias in before:
                _discard(self._by_alias, alias, path)
            changed = before ^ set(folded)
        else:
            name = fold(basename(strip_md(path)))
            changed = {name, *folded}
            self._by_path.setdefault(fold(strip_md(path)), set()).add(path)
            self._by_name.setdefault(name, set()).add(path)
        self._aliases[path] = folded
        for alias in folded:
            self._by_alias.setdefault(alias, set()).add(path)
        return changed

    def remove(self, path: str) -> set[str]:
        """Forget a note; returns the folded names whose resolution may have changed.

        A path that is not known as written but differs from exactly one known path only in
        case or Unicode normalisation (as a file system may report it) removes that one.
        """
        stored = path
        if path not in self._aliases:
            variants = self._by_path.get(fold(strip_md(path)), set())
            if len(variants) != 1:
                return set()
            (stored,) = variants
        _discard(self._by_path, fold(strip_md(stored)), stored)
        name = fold(basename(strip_md(stored)))
        _discard(self._by_name, name, stored)
        folded = self._aliases.pop(stored)
        for alias in folded:
            _discard(self._by_alias, alias, stored)
        return {name, *folded}

    def resolve(self, target: str, kind: LinkKind, source: str) -> Resolution:
        """Resolve ``target`` written in the note at ``source``."""
        if not target:
            return Resolution(source, 1)
        if kind == "markdown":
            return self._resolve_path(target, source)
        stem = strip_md(target.strip().strip("/"))
        folded = fold(stem)
        if "/" in folded:
            exact = self._by_path.get(folded)
            if exact:
                return Resolution(_preferred(exact, stem), len(exact))
            suffix = "/" + folded
            matches = [
                p
                for p in self._by_name.get(folded.rsplit("/", 1)[1], ())
                if fold(strip_md(p)).endswith(suffix)
            ]
        else:
            found = self._by_name.get(folded) or self._by_alias.get(folded)
            if found is not None and len(found) == 1:
                return Resolution(next(iter(found)), 1)  # the usual case: one note, no choice
            matches = list(found or ())
        if not matches:
            return UNRESOLVED
        return Resolution(_shortest(matches), len(matches))

    def _resolve_path(self, target: str, source: str) -> Resolution:
        relative = normpath(join(dirname(source), target))
        for candidate in (relative, normpath(target.lstrip("/"))):
            found = self._by_path.get(fold(strip_md(candidate)))
            if found:
                return Resolution(_preferred(found, strip_md(candidate)), len(found))
        return UNRESOLVED


def _preferred(paths: set[str], written: str) -> str:
    """Among paths differing only in case, the one spelt as written, else the first."""
    for path in paths:
        if strip_md(path) == written:
            return path
    return min(paths)


def _discard(index: dict[str, set[str]], key: str, path: str) -> None:
    paths = index.get(key)
    if paths is not None:
        paths.discard(path)
        if not paths:
            del index[key]
