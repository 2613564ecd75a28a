"""The graph's content as plain rows, and what changed between two versions of a note's rows.

SQLite produces these rows (``IndexDatabase.graph_rows``) and Kuzu receives them, in bulk or
note by note; comparing a note's rows before and after an edit lets the graph receive only
what changed, which for most edits (prose, not tags or links) is nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TagRow = tuple[str, str, str, str | None, str | None]  # path, name, display, key, value


@dataclass
class GraphRows:
    """Rows of the graph tables (see ``store.graph`` for the schema)."""

    notes: list[tuple[str, str, str]] = field(default_factory=list)
    tags: list[TagRow] = field(default_factory=list)
    links: list[tuple[str, str, int]] = field(default_factory=list)
    field_links: list[tuple[str, str, str]] = field(default_factory=list)


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
