"""``vespera doctor``: checks that files, SQLite and Kuzu agree, and says exactly what differs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from pathlib import Path

from vespera.index.reader import read_note
from vespera.session import VaultSession
from vespera.store.graph import GraphSnapshot
from vespera.store.graph_rows import GraphRows
from vespera.store.index_queries import StoredFile
from vespera.vault.walk import walk_vault


@dataclass(frozen=True, slots=True)
class Finding:
    """One disagreement: which stores, what kind, and the item concerned."""

    area: str
    kind: str
    item: str


@dataclass
class DoctorReport:
    """All disagreements found; an empty list means the stores match the files."""

    findings: list[Finding] = field(default_factory=list)
    checked_files: int = 0
    checked_notes: int = 0
    integrity: str = "ok"

    @property
    def healthy(self) -> bool:
        """Whether nothing differs."""
        return not self.findings and self.integrity == "ok"


def _changed(root: Path, stored: dict[str, StoredFile], limit: int) -> list[str]:
    """Files whose content no longer matches the index, judged as the indexer judges it."""
    return [
        path
        for path, known in stored.items()
        if read_note(root, path, known.content_hash, limit).outcome == "parsed"
    ]


async def diagnose(session: VaultSession) -> DoctorReport:
    """Compare the files with SQLite, and SQLite with Kuzu."""
    report = DoctorReport()
    add = report.findings.append
    integrity = await session.db.integrity_check()
    report.integrity = integrity
    walked = await asyncio.to_thread(walk_vault, session.root, session.indexer.rules)
    on_disk = {f.path for f in walked.files}
    stored = await session.db.file_states()
    report.checked_files = len(on_disk)
    report.checked_notes = len(stored)
    for path in sorted(on_disk - stored.keys()):
        add(Finding("files/sqlite", "file not indexed", path))
    for path in sorted(stored.keys() - on_disk):
        add(Finding("files/sqlite", "indexed note has no file", path))
    common = {p: stored[p] for p in sorted(on_disk & stored.keys())}
    limit = session.config.max_note_bytes
    for path in await asyncio.to_thread(_changed, session.root, common, limit):
        add(Finding("files/sqlite", "file changed since it was indexed", path))
    pending = await session.db.pending_graph_paths()
    for path in pending:
        add(Finding("sqlite/graph", "graph update still pending", path))
    expected = await session.db.graph_rows()
    actual = await asyncio.to_thread(session.graph.snapshot)
    _compare_graph(expected, actual, add)
    return report


Add = Callable[[Finding], None]


def _compare_graph(expected: GraphRows, actual: GraphSnapshot, add: Add) -> None:
    notes = {p: (t, ty) for p, t, ty in expected.notes}
    for path in sorted(notes.keys() - actual.notes.keys()):
        add(Finding("sqlite/graph", "note missing from graph", path))
    for path in sorted(actual.notes.keys() - notes.keys()):
        add(Finding("sqlite/graph", "graph has a note the index does not", path))
    for path in sorted(notes.keys() & actual.notes.keys()):
        if notes[path] != actual.notes[path]:
            add(
                Finding(
                    "sqlite/graph",
                    "title or type differs",
                    f"{path}: index {notes[path]!r}, graph {actual.notes[path]!r}",
                )
            )
    tags = {n for _, n, *_ in expected.tags}
    for name in sorted(tags - actual.tags):
        add(Finding("sqlite/graph", "tag missing from graph", name))
    for name in sorted(actual.tags - tags):
        add(Finding("sqlite/graph", "graph has a tag no note carries", name))
    has_tag = {(p, n) for p, n, *_ in expected.tags}
    _diff(add, "HAS_TAG", has_tag, actual.has_tag)
    _diff(add, "LINKS_TO", set(expected.links), actual.links)
    _diff(add, "FIELD_LINK", set(expected.field_links), actual.field_links)


def _diff(
    add: Add, name: str, expected: Set[tuple[object, ...]], actual: Set[tuple[object, ...]]
) -> None:
    for row in sorted(expected - actual, key=str):
        add(Finding("sqlite/graph", f"{name} edge missing from graph", " -> ".join(map(str, row))))
    for row in sorted(actual - expected, key=str):
        add(Finding("sqlite/graph", f"graph has an extra {name} edge", " -> ".join(map(str, row))))
