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

from vespera.index.reader import content_hash
from vespera.semantic.embedders import Embedder
from vespera.semantic.passages import Passage, split_passages
from vespera.semantic.vectors import PassageRecord, VectorStore

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
    unreadable: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False


def read_facts(index_file: Path, paths: Sequence[str] | None = None) -> dict[str, NoteFacts]:
    """Notes of the index (all, or ``paths``) with their titles, types, hashes and tags."""
    conn = sqlite3.connect(f"{index_file.as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        where, params = "", list(paths or ())
        if paths is not None:
            if not paths:
                return {}
            where = f" WHERE n.path IN ({','.join('?' * len(params))})"
        tags: dict[str, list[str]] = {}
        for path, tag in conn.execute(
            f"SELECT DISTINCT n.path, t.norm FROM tags t JOIN notes n ON n.id = t.note_id{where}",
            params,
        ):
            tags.setdefault(path, []).append(tag)
        return {
            path: NoteFacts(path, title, kind or "", digest, tuple(sorted(tags.get(path, ()))))
            for path, title, kind, digest in conn.execute(
                f"SELECT n.path, n.title, n.type, n.content_hash FROM notes n{where}", params
            )
        }
    finally:
        conn.close()


class Gate:
    """Pause and stop for a long pass, set from any thread."""

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self.stopped = threading.Event()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self.stopped.set()
        self._running.set()

    def wait(self) -> bool:
        """Block while paused; False once stopped."""
        while not self._running.wait(0.5):
            pass
        return not self.stopped.is_set()


class VaultVectors:
    """A vault's vector store and the embedder that fills it."""

    def __init__(self, store: VectorStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self._hashes: dict[str, str] | None = None
        self._lock = threading.Lock()  # one pass at a time

    def embedded_hashes(self) -> dict[str, str]:
        """The content hash each note's vectors were made at (read once, then kept)."""
        if self._hashes is None:
            self._hashes = self.store.note_hashes()
        return self._hashes

    def pending(self, facts: dict[str, NoteFacts]) -> tuple[list[str], list[str]]:
        """Notes to embed (new or changed) and notes whose vectors are to be dropped."""
        hashes = self.embedded_hashes()
        stale = [p for p, f in facts.items() if hashes.get(p) != f.content_hash]
        gone = [p for p in hashes if p not in facts]
        return stale, gone

    def sync(
        self,
        facts: dict[str, NoteFacts],
        read: Callable[[str], bytes | None],
        first: Sequence[str] = (),
        progress: Callable[[int, int], None] | None = None,
        gate: Gate | None = None,
    ) -> SyncReport:
        """Embed what changed since the last pass; ``read(path)`` gives a note's current bytes.

        ``first``: notes to do before the others (those open in the editor).
        """
        with self._lock:
            return self._sync(facts, read, first, progress, gate or Gate())

    def _sync(
        self,
        facts: dict[str, NoteFacts],
        read: Callable[[str], bytes | None],
        first: Sequence[str],
        progress: Callable[[int, int], None] | None,
        gate: Gate,
    ) -> SyncReport:
        started = time.perf_counter()
        report = SyncReport(notes=len(facts))
        stale, gone = self.pending(facts)
        hashes = self.embedded_hashes()
        if gone:
            self.store.remove(gone)
            for path in gone:
                hashes.pop(path, None)
            report.removed = len(gone)
        ahead = {p for p in first if p in facts}
        stale.sort(key=lambda p: (p not in ahead, p))
        for start in range(0, len(stale), BATCH_NOTES):
            if not gate.wait():
                report.stopped = True
                break
            batch = stale[start : start + BATCH_NOTES]
            self._embed_batch([facts[p] for p in batch], read, report)
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
        hashes = self.embedded_hashes()
        texts: dict[str, tuple[NoteFacts, str, list[Passage]]] = {}
        for note in notes:
            data = read(note.path)
            if data is None:
                report.unreadable.append(note.path)
                continue
            text = data.decode("utf-8", errors="replace")
            texts[note.path] = (note, content_hash(data), split_passages(note.title, text))
        if not texts:
            return
        # Passages whose text is unchanged keep their vectors: an edit to one section of a long
        # note costs one passage of model time, not the whole note.
        known = {
            r.digest: r.vector
            for records in self.store.passages(list(texts)).values()
            for r in records
        }
        todo = sorted(
            {p.text: p.digest for _, _, ps in texts.values() for p in ps if p.digest not in known}
        )
        if todo:
            vectors = self.embedder.embed(todo)
            for text, vector in zip(todo, vectors, strict=True):
                known[_digest_of(text)] = vector
            report.passages += len(todo)
        fresh = set(todo)
        updates: list[tuple[str, list[PassageRecord]]] = []
        for path, (note, digest, passages) in texts.items():
            report.reused += sum(1 for p in passages if p.text not in fresh)
            records = [
                PassageRecord(
                    path,
                    p.index,
                    p.heading,
                    p.digest,
                    known[p.digest],
                    # The index's hash, so that the next pass sees the note as done; when the
                    # bytes read differ from what the index holds, the next pass reads again.
                    note.content_hash if digest == note.content_hash else digest,
                    note.type,
                    note.tags,
                )
                for p in passages
            ]
            updates.append((path, records))
        self.store.replace_many(updates)
        for path, records in updates:
            hashes[path] = records[0].note_hash if records else ""
        report.embedded += len(updates)

    def forget(self, paths: Sequence[str]) -> None:
        """Drop the vectors of notes that left the vault."""
        with self._lock:
            self.store.remove(paths)
            hashes = self.embedded_hashes()
            for path in paths:
                hashes.pop(path, None)

    def close(self) -> None:
        """Free the model and the store, once a pass under way has finished."""
        with self._lock:
            self.embedder.close()
            self.store.close()


def _digest_of(text: str) -> str:
    return Passage(0, "", text).digest
