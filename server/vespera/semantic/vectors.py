"""The vault's vectors in Chroma: one record per passage, kept in the vault's state folder.

Records are keyed ``<path>#<passage>`` and carry the note's path, codex type, tags and content
hash, and the passage's heading and digest as metadata. The collection remembers which
embedder made its vectors; vectors of another model are never compared with them, so a change
of model starts the collection afresh. Like the index and the graph, the collection can always
be made again from the notes, and a damaged one is.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vespera.semantic.embedders import Vectors

log = logging.getLogger(__name__)

VECTORS_DIR = "vectors.chroma"
_COLLECTION = "vault-passages"
_PAGE = 2000  # records per Chroma call when reading or writing many


@dataclass(frozen=True)
class PassageRecord:
    """One passage's vector and what is known of it."""

    path: str
    index: int
    heading: str
    digest: str
    vector: Vectors
    note_hash: str
    type: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    """A passage found near a query vector."""

    path: str
    heading: str
    similarity: float


class VectorStore:
    """Synchronous access to the Chroma collection; callers run it off the event loop."""

    def __init__(self, folder: Path, model_name: str) -> None:
        self.folder = folder
        self.model_name = model_name
        self._lock = threading.Lock()
        try:
            self._open()
        except Exception as exc:  # Chroma's errors have no common base
            log.warning(
                "The vector store at %s is unreadable (%s); starting it afresh", folder, exc
            )
            shutil.rmtree(folder, ignore_errors=True)
            self._open()

    def _open(self) -> None:
        import chromadb
        from chromadb.config import Settings

        # Telemetry off: a writer's sidecar sends nothing anywhere unasked.
        self._client = chromadb.PersistentClient(
            path=str(self.folder),
            settings=Settings(anonymized_telemetry=False, allow_reset=True),
        )
        collection = self._client.get_or_create_collection(
            _COLLECTION,
            metadata={"hnsw:space": "cosine", "model": self.model_name},
            embedding_function=None,
        )
        if (collection.metadata or {}).get("model") != self.model_name:
            log.info("Vectors were made by another model; embedding the vault afresh")
            self._client.delete_collection(_COLLECTION)
            collection = self._client.create_collection(
                _COLLECTION,
                metadata={"hnsw:space": "cosine", "model": self.model_name},
                embedding_function=None,
            )
        self._collection = collection

    def count(self) -> int:
        """Passages stored."""
        with self._lock:
            return int(self._collection.count())

    def note_hashes(self) -> dict[str, str]:
        """The content hash each stored note was embedded at."""
        hashes: dict[str, str] = {}
        with self._lock:
            offset = 0
            while True:
                page = self._collection.get(include=["metadatas"], limit=_PAGE, offset=offset)
                metas = page["metadatas"] or []
                for meta in metas:
                    hashes[str(meta["path"])] = str(meta["note_hash"])
                if len(metas) < _PAGE:
                    return hashes
                offset += _PAGE

    def passages(self, paths: Sequence[str]) -> dict[str, list[PassageRecord]]:
        """The stored passages of ``paths``, in order, with their vectors."""
        found: dict[str, list[PassageRecord]] = {p: [] for p in paths}
        with self._lock:
            for start in range(0, len(paths), 500):
                chunk = list(paths[start : start + 500])
                page = self._collection.get(
                    where=_paths_in(chunk), include=["metadatas", "embeddings"]
                )
                metas = page["metadatas"] or []
                vectors = page["embeddings"] if page["embeddings"] is not None else []
                for meta, vector in zip(metas, vectors, strict=True):
                    found[str(meta["path"])].append(_record(meta, vector))
        for records in found.values():
            records.sort(key=lambda r: r.index)
        return found

    def replace(self, path: str, records: Sequence[PassageRecord]) -> None:
        """Make ``records`` the passages of ``path``."""
        with self._lock:
            ids = {f"{path}#{r.index}" for r in records}
            old = self._collection.get(where={"path": path}, include=[])["ids"]
            stale = [i for i in old if i not in ids]
            if stale:
                self._collection.delete(ids=stale)
            if records:
                self._upsert(records)

    def replace_many(self, notes: Iterable[tuple[str, Sequence[PassageRecord]]]) -> None:
        """:meth:`replace` for several notes, in as few calls as Chroma allows."""
        notes = list(notes)
        with self._lock:
            paths = [p for p, _ in notes]
            keep = {f"{p}#{r.index}" for p, records in notes for r in records}
            for start in range(0, len(paths), 500):
                old = self._collection.get(where=_paths_in(paths[start : start + 500]), include=[])[
                    "ids"
                ]
                stale = [i for i in old if i not in keep]
                if stale:
                    self._collection.delete(ids=stale)
            records = [r for _, rs in notes for r in rs]
            for start in range(0, len(records), _PAGE):
                self._upsert(records[start : start + _PAGE])

    def _upsert(self, records: Sequence[PassageRecord]) -> None:
        self._collection.upsert(
            ids=[f"{r.path}#{r.index}" for r in records],
            embeddings=np.stack([r.vector for r in records]),
            metadatas=[
                {
                    "path": r.path,
                    "index": r.index,
                    "heading": r.heading,
                    "digest": r.digest,
                    "note_hash": r.note_hash,
                    "type": r.type,
                    # Chroma keeps scalars only: tags as one string, each between spaces.
                    "tags": f" {' '.join(r.tags)} " if r.tags else "",
                }
                for r in records
            ],
        )

    def remove(self, paths: Sequence[str]) -> None:
        """Forget the passages of ``paths``."""
        with self._lock:
            for start in range(0, len(paths), 500):
                self._collection.delete(where=_paths_in(paths[start : start + 500]))

    def query(self, vectors: Vectors, limit: int, types: Sequence[str] = ()) -> list[list[Hit]]:
        """The passages nearest each row of ``vectors``, nearest first."""
        with self._lock:
            total = int(self._collection.count())
            if total == 0:
                return [[] for _ in range(len(vectors))]
            where: Any = {"type": {"$in": list(types)}} if types else None
            result = self._collection.query(
                query_embeddings=vectors,
                n_results=min(limit, total),
                where=where,
                include=["metadatas", "distances"],
            )
        metas = result["metadatas"] or []
        distances = result["distances"] or []
        return [
            [
                Hit(str(m["path"]), str(m.get("heading") or ""), 1.0 - float(d))
                for m, d in zip(row_metas, row_distances, strict=True)
            ]
            for row_metas, row_distances in zip(metas, distances, strict=True)
        ]

    def close(self) -> None:
        """Let Chroma write what it holds; the store is unusable afterwards."""
        with self._lock:
            # The persistent client has no close of its own; dropping it releases the files.
            self._client = None  # type: ignore[assignment]
            self._collection = None  # type: ignore[assignment]


def _paths_in(paths: Sequence[str]) -> Any:
    """A Chroma filter for records of any of ``paths``."""
    return {"path": {"$in": list(paths)}}


def _record(meta: Any, vector: Any) -> PassageRecord:
    tags = str(meta.get("tags") or "").split()
    return PassageRecord(
        path=str(meta["path"]),
        index=int(meta.get("index") or 0),
        heading=str(meta.get("heading") or ""),
        digest=str(meta.get("digest") or ""),
        vector=np.asarray(vector, dtype=np.float32),
        note_hash=str(meta.get("note_hash") or ""),
        type=str(meta.get("type") or ""),
        tags=tuple(tags),
    )
