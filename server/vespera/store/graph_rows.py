"""The graph's content as plain rows, and what changed between two versions of a note's rows.

SQLite produces these rows (``IndexDatabase.graph_rows``) and Kuzu receives them, in bulk or
note by note; comparing a note's rows before and after an edit lets the graph receive only
what changed, which for most edits (prose, not tags or links) is nothing at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter

from vespera.store.note_rows import LINK_FIELD, NoteRows

TagRow = tuple[str, str, str, str | None, str | None]  # path, name, display, key, value


@dataclass
class GraphRows:
    """Rows of the graph tables (see ``store.graph`` for the schema)."""

    notes: list[tuple[str, str, str]] = field(default_factory=list)
    tags: list[TagRow] = field(default_factory=list)
    links: list[tuple[str, str, int]] = field(default_factory=list)
    field_links: list[tuple[str, str, str]] = field(default_factory=list)


_field = itemgetter(LINK_FIELD)


class GraphCollector:
    """Builds the graph's rows from a vault's notes, tags and resolved links.

    The one place that says what the graph holds: a note's tag by its folded name, spelt as its
    least spelling; one ``LINKS_TO`` edge per linked note with the count of links; one
    ``FIELD_LINK`` per field and note; edges only to notes that were taken. A first scan feeds
    it as it stores the notes (reading them back afterwards would cost a pass over every tag
    and link while nothing else can proceed); ``IndexDatabase.graph_rows`` feeds it from the
    tables.

    Tag names repeat across the vault but arrive as separate strings, one per occurrence; each
    is kept once, which halves what the rows hold while the notes are stored.
    """

    def __init__(self) -> None:
        self._notes: dict[str, tuple[str, str]] = {}
        self._tags: dict[tuple[str, str], TagRow] = {}
        # (source, target, field) -> links; counted, so that a link resolved again can move.
        self._links: Counter[tuple[str, str | None, str | None]] = Counter()
        self._words: dict[str, str] = {}

    def note(self, path: str, title: str, kind: str | None) -> None:
        """Take a note's node."""
        self._notes[path] = (title, kind or "")

    def tag(self, path: str, name: str, norm: str, key: str | None, value: str | None) -> None:
        """Take one occurrence of a tag in the note at ``path``."""
        known = self._tags.get((path, norm))
        if known is None or name < known[2]:
            once = self._words.setdefault
            norm, name = once(norm, norm), once(name, name)
            key = once(key, key) if key else key
            value = once(value, value) if value else value
            self._tags[(path, norm)] = (path, norm, name, key, value)

    def links(self, found: Iterable[tuple[str, str | None, str | None]]) -> None:
        """Take links as ``(source, resolved path or None, field or None)``."""
        # Unresolved links count under None, which names no note: rows() leaves them out.
        self._links.update(found)

    def add(self, rows: NoteRows, targets: Iterable[str | None]) -> None:
        """Take a stored note's rows, with the path each of its links resolved to."""
        path = rows.path
        self.note(path, rows.title, rows.type)
        for tag in rows.tags:
            self.tag(path, tag[0], tag[1], tag[2], tag[3])
        fields = map(_field, rows.links)
        self.links(zip(repeat(path, len(rows.links)), targets, fields, strict=True))

    def relink(self, source: str, field: str | None, old: str | None, new: str | None) -> None:
        """Move one stored link of ``source`` from ``old`` to ``new`` (either may be None)."""
        if old is not None:
            key = (source, old, field)
            self._links[key] -= 1
            if self._links[key] <= 0:
                del self._links[key]
        if new is not None:
            self._links[(source, new, field)] += 1

    def rows(self) -> GraphRows:
        """The rows of the graph of every note taken; the collector is left empty.

        Emptied, so that the rows are not held twice while the graph loads.
        """
        notes, self._notes = self._notes, {}
        out = GraphRows(notes=[(path, title, kind) for path, (title, kind) in notes.items()])
        out.tags, self._tags = list(self._tags.values()), {}
        links, self._links = self._links, Counter()
        out.links = [
            (s, t, n)
            for (s, t, f), n in links.items()
            if t is not None and f is None and t in notes
        ]
        out.field_links = sorted(
            {(s, t, f) for s, t, f in links if t is not None and f is not None and t in notes}
        )
        links.clear()
        self._words = {}
        return out


@dataclass
class NoteGraph:
    """One note's part of the graph: its node and its outgoing edges."""

    title: str
    type: str
    tags: dict[str, TagRow] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)
    field_links: set[tuple[str, str]] = field(default_factory=set)


def by_note(rows: GraphRows) -> dict[str, NoteGraph]:
    """Group ``rows`` by the note they start from."""
    notes = {path: NoteGraph(title, kind) for path, title, kind in rows.notes}
    for row in rows.tags:
        notes[row[0]].tags[row[1]] = row
    for src, dst, count in rows.links:
        notes[src].links[dst] = count
    for src, dst, name in rows.field_links:
        notes[src].field_links.add((dst, name))
    return notes


@dataclass
class NoteChange:
    """What must change in the graph for one note whose old rows are known."""

    path: str
    node: tuple[str, str] | None = None
    tags_gone: list[str] = field(default_factory=list)
    tags_new: list[TagRow] = field(default_factory=list)
    links_gone: list[str] = field(default_factory=list)
    links_new: list[tuple[str, int]] = field(default_factory=list)
    fields_gone: list[tuple[str, str]] = field(default_factory=list)
    fields_new: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.node
            or self.tags_gone
            or self.tags_new
            or self.links_gone
            or self.links_new
            or self.fields_gone
            or self.fields_new
        )


def difference(path: str, old: NoteGraph, new: NoteGraph) -> NoteChange:
    """The edits that turn ``old`` into ``new``; a changed link count is a removal and an add."""
    change = NoteChange(path)
    if (old.title, old.type) != (new.title, new.type):
        change.node = (new.title, new.type)
    change.tags_gone = sorted(old.tags.keys() - new.tags.keys())
    change.tags_new = [new.tags[n] for n in sorted(new.tags.keys() - old.tags.keys())]
    changed_counts = {
        d for d in old.links.keys() & new.links.keys() if old.links[d] != new.links[d]
    }
    change.links_gone = sorted((old.links.keys() - new.links.keys()) | changed_counts)
    change.links_new = sorted(
        (d, new.links[d]) for d in (new.links.keys() - old.links.keys()) | changed_counts
    )
    change.fields_gone = sorted(old.field_links - new.field_links)
    change.fields_new = sorted(new.field_links - old.field_links)
    return change
