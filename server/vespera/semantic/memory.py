"""The vault's passage vectors in memory, for exact and fast similarity.

Chroma keeps the vectors on disk; asking it for the nearest passages, then for the vectors of
a note's graph neighbours, cost 150 ms a lens on a 10k-note vault. Held here as one float32
matrix (a 10k-note vault of 33k passages takes 50 MB), a lens multiplies it by a few query
vectors: every passage of every note is scored exactly, graph neighbours included, in a few
milliseconds. The matrix is loaded from Chroma when the vault opens and follows every write.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vespera.semantic.embedders import Vectors

_GROW = 1.5


@dataclass(frozen=True)
class StoredPassage:
    """What the matrix knows of one passage besides its vector."""

    index: int
    heading: str
    digest: str


@dataclass(frozen=True)
class NoteMeta:
    """What the matrix knows of one note."""

    content_hash: str
    type: str
    tags: tuple[str, ...]


class PassageMatrix:
    """Passage vectors by note, with exact similarity search; safe to use from any thread."""

    def __init__(self, dimensions: int = 0) -> None:
        self.dimensions = dimensions
        """The vectors' size; 0 until the first vector arrives (a remote model's size is
        known from its first answer)."""
        self._vectors: Vectors = np.zeros((0, dimensions), dtype=np.float32)
        self._note = np.zeros(0, dtype=np.int64)  # the note of each row; -1 when free
        self._passages: list[StoredPassage | None] = []
        self._free: list[int] = []
        self._rows: dict[str, list[int]] = {}
        self._ids: dict[str, int] = {}
        self._paths: list[str] = []
        self.notes: dict[str, NoteMeta] = {}
        self._lock = threading.RLock()

    def __len__(self) -> int:
        with self._lock:
            return sum(len(rows) for rows in self._rows.values())

    def hashes(self) -> dict[str, str]:
        """The content hash each note's vectors were made at."""
        with self._lock:
            return {path: meta.content_hash for path, meta in self.notes.items()}

    def passages(self, path: str) -> list[tuple[StoredPassage, Vectors]]:
        """A note's passages in order, with their vectors."""
        with self._lock:
            rows = self._rows.get(path, [])
            found = [(self._passages[r], self._vectors[r].copy()) for r in rows]
        return sorted(((p, v) for p, v in found if p is not None), key=lambda pv: pv[0].index)

    def put(
        self,
        path: str,
        meta: NoteMeta,
        passages: Sequence[StoredPassage],
        vectors: Vectors,
    ) -> None:
        """Make ``passages`` (with ``vectors`` as rows) the passages of ``path``."""
        with self._lock:
            self._size_from(vectors.shape[-1])
            self._drop_rows(path)
            note = self._ids.get(path)
            if note is None:
                note = self._ids[path] = len(self._paths)
                self._paths.append(path)
            rows = [self._row() for _ in passages]
            for row, passage, vector in zip(rows, passages, vectors, strict=True):
                self._vectors[row] = vector
                self._note[row] = note
                self._passages[row] = passage
            self._rows[path] = rows
            self.notes[path] = meta

    def _size_from(self, size: int) -> None:
        if not self.dimensions:
            self.dimensions = size
            self._vectors = np.zeros((0, size), dtype=np.float32)
        elif size != self.dimensions:
            raise ValueError(f"a vector of {size} values among vectors of {self.dimensions}")

    def reserve(self, rows: int) -> None:
        """Make room for ``rows`` passages at once (a vault being loaded)."""
        with self._lock:
            if rows > len(self._vectors):
                self._grow(rows)

    def add(
        self, path: str, passage: StoredPassage, vector: Vectors, meta: NoteMeta | None
    ) -> None:
        """Add one passage to a note, as loaded from the store (``meta`` with its first)."""
        with self._lock:
            self._size_from(vector.shape[-1])
            note = self._ids.get(path)
            if note is None:
                note = self._ids[path] = len(self._paths)
                self._paths.append(path)
            row = self._row()
            self._vectors[row] = vector
            self._note[row] = note
            self._passages[row] = passage
            self._rows.setdefault(path, []).append(row)
            if meta is not None:
                self.notes[path] = meta

    def drop(self, path: str) -> None:
        """Forget a note."""
        with self._lock:
            self._drop_rows(path)
            self._rows.pop(path, None)
            self.notes.pop(path, None)

    def _drop_rows(self, path: str) -> None:
        for row in self._rows.get(path, []):
            self._note[row] = -1
            self._passages[row] = None
            self._free.append(row)

    def _row(self) -> int:
        if self._free:
            return self._free.pop()
        row = len(self._passages)
        if row >= len(self._vectors):
            self._grow(max(64, int(len(self._vectors) * _GROW)))
        self._passages.append(None)
        return row

    def _grow(self, size: int) -> None:
        if not self.dimensions:
            raise ValueError("the vectors' size is not known yet")
        grown = np.zeros((size, self.dimensions), dtype=np.float32)
        grown[: len(self._vectors)] = self._vectors
        note = np.full(size, -1, dtype=np.int64)
        note[: len(self._note)] = self._note
        self._vectors, self._note = grown, note

    def nearest_notes(self, probes: Vectors) -> tuple[list[str], Any, dict[str, int]]:
        """Every note's best similarity to any of ``probes``.

        Returns the notes' paths, their similarities (an array in the same order; a note that
        has left has -inf) and where each path is in them.
        """
        with self._lock:
            used = len(self._passages)
            if used == 0 or not self._rows:
                return [], np.zeros(0, dtype=np.float32), {}
            sims = (self._vectors[:used] @ probes.T).max(axis=1)
            notes = self._note[:used]
            alive = notes >= 0
            best = np.full(len(self._paths), -np.inf, dtype=np.float32)
            np.maximum.at(best, notes[alive], sims[alive])
            return list(self._paths), best, dict(self._ids)

    def nearest_passage(self, path: str, probes: Vectors) -> tuple[float, str]:
        """The similarity of ``path``'s passage nearest ``probes``, and its heading."""
        with self._lock:
            rows = self._rows.get(path, [])
            if not rows:
                return 0.0, ""
            sims = (self._vectors[rows] @ probes.T).max(axis=1)
            at = int(np.argmax(sims))
            passage = self._passages[rows[at]]
            return float(sims[at]), passage.heading if passage is not None else ""
