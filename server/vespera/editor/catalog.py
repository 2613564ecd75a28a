"""The vault as completions, hovers and tag checks see it: tags with counts, and notes.

A :class:`Catalog` is an immutable snapshot, loaded from the index after each change; requests
read whichever snapshot is current and never wait for the index.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from dataclasses import dataclass, field
from posixpath import basename

from vespera.store.index_reader import IndexReader, NoteSummary
from vespera.vault.resolve import fold, strip_md


@dataclass(frozen=True, slots=True)
class TagInfo:
    """A tag across the vault: its folded form, the spelling most used, and its counts."""

    norm: str
    name: str
    uses: int
    notes: int
    spellings: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Catalog:
    """A snapshot of the vault's tags and notes."""

    tags: dict[str, TagInfo] = field(default_factory=dict)
    notes: dict[str, NoteSummary] = field(default_factory=dict)
    problems: int = 0
    # What checks of other notes depend on: which notes exist (names, types, aliases) and
    # which tags are established (spelling, in one note or several).
    signature: int = 0
    _sorted_norms: list[str] = field(default_factory=list)
    _by_name: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    async def load(cls, reader: IndexReader) -> Catalog:
        """Read a fresh snapshot from the index."""
        counts = await reader.tag_counts(limit=None)
        spellings = await reader.tag_spellings()
        tags = {}
        for count in counts:
            variants = sorted(spellings.get(count.norm, [(count.name, count.count)]), key=_by_use)
            tags[count.norm] = TagInfo(
                count.norm, variants[0][0], count.count, count.notes, tuple(variants)
            )
        notes = {n.path: n for n in await reader.note_summaries()}
        problems = await reader.count("problems")
        # Building the lookups of a large vault takes a while: not on the event loop.
        return await asyncio.to_thread(cls.build, tags, notes, problems)

    @classmethod
    def build(
        cls, tags: dict[str, TagInfo], notes: dict[str, NoteSummary], problems: int = 0
    ) -> Catalog:
        """A catalog of the given tags and notes (the derived lookups are computed here)."""
        by_name: dict[str, list[str]] = {}
        for path in notes:
            by_name.setdefault(fold(basename(strip_md(path))), []).append(path)
        signature = hash(
            (
                frozenset(notes.values()),
                frozenset((t.norm, t.name, min(t.notes, 2)) for t in tags.values()),
            )
        )
        return cls(tags, notes, problems, signature, sorted(tags), by_name)

    def tags_starting(self, prefix: str) -> list[TagInfo]:
        """Tags whose folded form starts with ``prefix``'s, most used first."""
        norm = fold(prefix)
        keys = self._sorted_norms
        start = bisect_left(keys, norm)
        found = []
        for key in keys[start:]:
            if not key.startswith(norm):
                break
            found.append(self.tags[key])
        found.sort(key=lambda t: (-t.uses, t.norm))
        return found

    def link_text(self, path: str, instead_of: str | None = None) -> str:
        """The shortest link target that names ``path`` and no other note.

        ``instead_of`` is a note about to be renamed to ``path``: it no longer competes.
        """
        name = fold(basename(strip_md(path)))
        others = [p for p in self._by_name.get(name, ()) if p not in (path, instead_of)]
        return shortest_target(path, others)


def shortest_target(path: str, others: list[str]) -> str:
    """The shortest tail of ``path`` (without ``.md``) that none of ``others`` ends with."""
    stem = strip_md(path)
    parts = stem.split("/")
    folded = ["/" + fold(strip_md(p)) for p in others]
    for size in range(1, len(parts) + 1):
        tail = "/".join(parts[-size:])
        key = "/" + fold(tail)
        if not any(p.endswith(key) for p in folded):
            return tail
    return stem


def _by_use(spelling: tuple[str, int]) -> tuple[int, str]:
    return -spelling[1], spelling[0]
