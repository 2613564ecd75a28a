"""The vault's vectors in Chroma: one record per passage, kept in the vault's state folder.

Records are keyed ``<path>#<passage>`` and carry the note's path, codex type, tags and content
hash, and the passage's heading and digest as metadata. Chroma is where vectors persist;
similarity is computed on their copy in memory (:mod:`vespera.semantic.memory`), loaded from
here when the vault opens. The collection remembers which
embedder made its vectors; vectors of another model are never compared with them, so a change
of model starts the collection afresh. Like the index and the graph, the collection can always
be made again from the notes, and a damaged one is.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vespera.semantic.embedders import Vectors

log = logging.getLogger(__name__)

VECTORS_DIR = "vectors.chroma"
_COLLECTION = "vault-passages"
# Records per Chroma call when reading all: its memory grows with the page (30 KB a record
# while it answers), and pages of 1,000 read 30k passages as fast as one page of all.
_PAGE = 1000
_WRITE = 2000  # records per Chroma call when writing many


@dataclass(frozen=True)
class PassageRecord:
    """One passage's vector and what is known of it."""

    path: str
    index: int
    heading: str
    digest: str
    vector: Vectors
    note_hash: str
    """The note's content hash, on the note's first passage only: an edit then rewrites the
    passages that changed (and the first), not all of them."""
    type: str
    tags: tuple[str, ...]

    @property
    def id(self) -> str:
        return record_id(self.path, self.index)


def record_id(path: str, index: int) -> str:
    """The Chroma id of a note's passage."""
    return f"{path}#{index}"


class VectorStore:
    """Synchronous access to the Chroma collection; callers run it off the event loop."""

    def __init__(self, folder: Path, model_name: str) -> None:
        self.folder = folder
        self.model_name = model_name
        self._lock = threading.Lock()
        self._client: Any = None
        try:
            self._open()
        except Exception as exc:  # Chroma's errors have no common base
            log.warning(
                "The vector store at %s is unreadable (%s); starting it afresh", folder, exc
            )
            self._release()  # Chroma shares an open store within the process: let it go
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

    def load(self) -> Iterator[list[PassageRecord]]:
        """Every stored passage with its vector, a page at a time (to fill the matrix)."""
        with self._lock:
            total = int(self._collection.count())
        for offset in range(0, total, _PAGE):
            with self._lock:
                page = self._collection.get(
                    include=["metadatas", "embeddings"], limit=_PAGE, offset=offset
                )
            metas = page["metadatas"] or []
            vectors = page["embeddings"] if page["embeddings"] is not None else []
            yield [_record(m, v) for m, v in zip(metas, vectors, strict=True)]

    def write(self, upserts: Sequence[PassageRecord], deletes: Sequence[str]) -> None:
        """Store ``upserts`` and delete the records of ids ``deletes``."""
        with self._lock:
            if deletes:
                self._collection.delete(ids=list(deletes))
            for start in range(0, len(upserts), _WRITE):
                self._upsert(upserts[start : start + _WRITE])

    def _upsert(self, records: Sequence[PassageRecord]) -> None:
        self._collection.upsert(
            ids=[r.id for r in records],
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

    def close(self) -> None:
        """Let the store's files go; it is unusable afterwards."""
        with self._lock:
            self._release()

    def _release(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


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
