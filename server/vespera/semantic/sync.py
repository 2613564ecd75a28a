"""Keeping a vault's vectors in step with its notes, incrementally.

A note is embedded again only when its content hash differs from the one its vectors were made
at; within it, only passages whose text changed go through the model (the others keep their
vectors). Work goes in batches, between which it can be paused or stopped, and reports its
progress; notes the writer has open go first.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vespera.index.reader import content_hash
from vespera.semantic.embedders import Embedder
from vespera.semantic.gate import Gate
from vespera.semantic.memory import NoteMeta, PassageMatrix, StoredPassage
from vespera.semantic.passages import Passage, split_passages
from vespera.semantic.vectors import PassageRecord, VectorStore, record_id

log = logging.getLogger(__name__)

BATCH_NOTES = 32
"""Notes embedded together: large enough for the model's batches, small enough to pause."""


@dataclass(frozen=True)
class NoteFacts:
    """What the index knows of a note, as ranking and embedding need it."""

    path: str
    title: str
    type: str
    content_hash: str
    tags: tuple[str, ...] = ()


@dataclass
class SyncReport:
    """What one pass did."""

    notes: int = 0
    """Notes in the vault."""
    embedded: int = 0
    """Notes whose vectors were made again."""
    passages: int = 0
    """Passages that went through the model."""
    reused: int = 0
    """Passages of changed notes whose text had not changed (their vectors were kept)."""
    removed: int = 0
    """Notes gone from the vault whose vectors were dropped."""
    written: int = 0
    """Passages written to the store (changed ones, and each changed note's first)."""
    unreadable: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False


def read_facts(index_file: Path, paths: Sequence[str]) -> dict[str, NoteFacts]:
    """Notes ``paths`` of the index with their titles, types, hashes and tags."""
    if not paths:
        return {}
    conn = sqlite3.connect(f"{index_file.as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        where = f" WHERE n.path IN ({','.join('?' * len(paths))})"
        tags: dict[str, list[str]] = {}
        for path, tag in conn.execute(
            f"SELECT DISTINCT n.path, t.norm FROM tags t JOIN notes n ON n.id = t.note_id{where}",
            list(paths),
        ):
            tags.setdefault(path, []).append(tag)
        return {
            path: NoteFacts(path, title, kind or "", digest, tuple(sorted(tags.get(path, ()))))
            for path, title, kind, digest in conn.execute(
                f"SELECT n.path, n.title, n.type, n.content_hash FROM notes n{where}", list(paths)
            )
        }
    finally:
        conn.close()


def read_hashes(index_file: Path) -> dict[str, str]:
    """Every note of the index and its content hash (what finding changed notes needs)."""
    conn = sqlite3.connect(f"{index_file.as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        return dict(conn.execute("SELECT path, content_hash FROM notes"))
    finally:
        conn.close()


class VaultVectors:
    """A vault's vectors (on disk in Chroma, in memory as a matrix) and the embedder that
    fills them."""

    def __init__(self, store: VectorStore, embedder: Embedder, dimensions: int = 0) -> None:
        self.store = store
        self.embedder = embedder
        self.matrix = PassageMatrix(dimensions)
        self._lock = threading.Lock()  # one pass at a time
        # Notes that could not be read (gone, unreadable, over the size limit), at the hash the
        # index had: they wait for a change rather than being tried on every pass.
        self._skipped: dict[str, str] = {}

    @classmethod
    def load(cls, store: VectorStore, embedder: Embedder) -> VaultVectors:
        """The vectors ``store`` holds, in memory too (blocking: 3 s for 30k passages)."""
        vectors: VaultVectors | None = None
        for page in store.load():
            if vectors is None:
                vectors = cls(store, embedder, len(page[0].vector))
                vectors.matrix.reserve(store.count())
            for r in page:
                meta = NoteMeta(r.note_hash, r.type, r.tags) if r.index == 0 else None
                vectors.matrix.add(
                    r.path, StoredPassage(r.index, r.heading, r.digest), r.vector, meta
                )
        return vectors or cls(store, embedder)

    def _remember(self, path: str, records: Sequence[PassageRecord]) -> None:
        first = records[0]
        self.matrix.put(
            path,
            NoteMeta(first.note_hash, first.type, first.tags),
            [StoredPassage(r.index, r.heading, r.digest) for r in records],
            np.stack([r.vector for r in records]),
        )

    def pending(self, hashes: dict[str, str]) -> tuple[list[str], list[str]]:
        """Of the index's notes (path to content hash), those to embed (new or changed), and
        the notes whose vectors are to be dropped."""
        embedded = self.matrix.hashes()
        skipped = self._skipped
        stale = [p for p, h in hashes.items() if embedded.get(p) != h and skipped.get(p) != h]
        gone = [p for p in embedded if p not in hashes]
        return stale, gone

    def sync(
        self,
        hashes: dict[str, str],
        facts_of: Callable[[Sequence[str]], dict[str, NoteFacts]],
        read: Callable[[str], bytes | None],
        first: Sequence[str] = (),
        progress: Callable[[int, int], None] | None = None,
        gate: Gate | None = None,
    ) -> SyncReport:
        """Embed what changed since the last pass.

        ``hashes``: the index's notes and content hashes; ``facts_of(paths)``: what the index
        knows of some notes; ``read(path)``: a note's current bytes; ``first``: notes to do
        before the others (those open in the editor).
        """
        with self._lock:
            return self._sync(hashes, facts_of, read, first, progress, gate or Gate())

    def _sync(
        self,
        hashes: dict[str, str],
        facts_of: Callable[[Sequence[str]], dict[str, NoteFacts]],
        read: Callable[[str], bytes | None],
        first: Sequence[str],
        progress: Callable[[int, int], None] | None,
        gate: Gate,
    ) -> SyncReport:
        started = time.perf_counter()
        report = SyncReport(notes=len(hashes))
        stale, gone = self.pending(hashes)
        if gone:
            self._forget(gone)
            report.removed = len(gone)
        ahead = {p for p in first if p in hashes}
        stale.sort(key=lambda p: (p not in ahead, p))
        for start in range(0, len(stale), BATCH_NOTES):
            if not gate.wait():
                report.stopped = True
                break
            batch = facts_of(stale[start : start + BATCH_NOTES])
            self._embed_batch(list(batch.values()), read, report)
            if progress is not None:
                progress(min(start + BATCH_NOTES, len(stale)), len(stale))
        report.seconds = time.perf_counter() - started
        return report

    def _embed_batch(
        self,
        notes: list[NoteFacts],
        read: Callable[[str], bytes | None],
        report: SyncReport,
    ) -> None:
        texts: dict[str, tuple[NoteFacts, str, list[Passage]]] = {}
        for note in notes:
            data = read(note.path)
            if data is None:
                report.unreadable.append(note.path)
                self._skipped[note.path] = note.content_hash
                continue
            self._skipped.pop(note.path, None)
            text = data.decode("utf-8", errors="replace")
            texts[note.path] = (note, content_hash(data), split_passages(note.title, text))
        if not texts:
            return
        # Passages whose text is unchanged keep their vectors: an edit to one section of a long
        # note costs one passage of model time.
        old = {path: self.matrix.passages(path) for path in texts}
        known = {p.digest: v for stored in old.values() for p, v in stored}
        todo = {
            p.digest: p.text for _, _, ps in texts.values() for p in ps if p.digest not in known
        }
        if todo:
            vectors = self.embedder.embed(list(todo.values()))
            known.update(zip(todo, vectors, strict=True))
            report.passages += len(todo)
        upserts: list[PassageRecord] = []
        deletes: list[str] = []
        remembered: list[tuple[str, list[PassageRecord]]] = []
        for path, (note, digest, passages) in texts.items():
            report.reused += sum(1 for p in passages if p.digest not in todo)
            # The index's hash, so that the next pass sees the note as done. When the bytes read
            # differ from what the index holds (it has not caught up yet), a hash the index
            # never has: the next pass takes the note again, with the type and tags the index
            # will have by then (its passages keep their vectors).
            note_hash = note.content_hash if digest == note.content_hash else f"unsynced:{digest}"
            records = [
                PassageRecord(
                    path,
                    p.index,
                    p.heading,
                    p.digest,
                    known[p.digest],
                    note_hash if p.index == 0 else "",
                    note.type,
                    note.tags,
                )
                for p in passages
            ]
            before = {p.index: p for p, _ in old[path]}
            meta = self.matrix.notes.get(path)
            same_meta = meta is not None and (meta.type, meta.tags) == (note.type, note.tags)
            for record in records:
                was = before.get(record.index)
                unchanged = was is not None and (was.digest, was.heading) == (
                    record.digest,
                    record.heading,
                )
                if record.index == 0 or not (unchanged and same_meta):
                    upserts.append(record)
            deletes += [record_id(path, i) for i in before if i >= len(records)]
            remembered.append((path, records))
        self.store.write(upserts, deletes)
        for path, records in remembered:
            self._remember(path, records)
        report.embedded += len(remembered)
        report.written += len(upserts)

    def _forget(self, paths: Sequence[str]) -> None:
        deletes = [
            record_id(path, stored.index)
            for path in paths
            for stored, _ in self.matrix.passages(path)
        ]
        self.store.write([], deletes)
        for path in paths:
            self.matrix.drop(path)

    def close(self) -> None:
        """Free the model and the store, once a pass under way has finished."""
        with self._lock:
            self.embedder.close()
            self.store.close()
