"""The semantic side of an open vault, for the event loop: opening, syncing and asking.

Loading a model and Chroma takes a second or two, and embedding a vault minutes, so everything
here runs in worker threads; the event loop only awaits. The command line and the language
server use the same layer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vespera.index.reader import read_limited
from vespera.semantic.gate import Gate
from vespera.semantic.model_files import ModelUnavailableError
from vespera.semantic.related import RelatedNote, RelatedQuery, find_related
from vespera.semantic.settings import EmbeddingSettings, load_embedding_settings
from vespera.semantic.sync import (
    NoteFacts,
    SyncReport,
    VaultVectors,
    read_facts,
    read_hashes,
)

if TYPE_CHECKING:
    from vespera.session import VaultSession

log = logging.getLogger(__name__)


def open_vectors(state_dir: Path, settings: EmbeddingSettings, interactive: bool) -> VaultVectors:
    """The embedder of ``settings`` and the vault's vector store; raises
    :class:`ModelUnavailableError` with the reason when no model can be loaded."""
    from vespera.semantic.embedders import open_embedder
    from vespera.semantic.vectors import VECTORS_DIR, VectorStore

    embedder = open_embedder(settings, interactive)
    try:
        store = VectorStore(state_dir / VECTORS_DIR, embedder.name)
        return VaultVectors.load(store, embedder)
    except BaseException:
        embedder.close()
        raise


class SemanticLayer:
    """Vectors of one open vault. ``await open()`` first; it raises when there is no model."""

    def __init__(
        self,
        session: VaultSession,
        interactive: bool,
        settings: EmbeddingSettings | None = None,
        gate: Gate | None = None,
        keep_local: str | None = None,
    ) -> None:
        self.session = session
        self.interactive = interactive
        self.settings = settings
        self.settings_message = ""
        self.vectors: VaultVectors | None = None
        self.gate = gate or Gate()
        self.keep_local = keep_local
        """Why notes must not leave this machine now, if they must not: a remote provider is
        then refused (the local model is not)."""

    async def open(self) -> None:
        """Load the embedder and the store (in a thread)."""
        if self.settings is None:
            loaded, self.settings_message = await asyncio.to_thread(load_embedding_settings)
            self.settings = loaded
            if self.settings_message:
                log.warning("%s", self.settings_message)
        settings: EmbeddingSettings = self.settings
        if settings.remote and self.keep_local is not None:
            # Refused before the embedder exists: not one note, nor a query, reaches the endpoint.
            where = settings.url or settings.provider
            raise ModelUnavailableError(
                f"Notes are not sent to the embedding endpoint ({where}) because {self.keep_local}."
            )
        self.vectors = await asyncio.to_thread(
            open_vectors, self.session.state_dir, settings, self.interactive
        )

    @property
    def model_name(self) -> str:
        return self.vectors.embedder.name if self.vectors is not None else ""

    def facts(self, paths: Sequence[str]) -> dict[str, NoteFacts]:
        """What the index knows of notes ``paths``; blocking, for worker threads."""
        return read_facts(self.session.db.path, paths)

    def read_disk(self, path: str) -> bytes | None:
        """A note's bytes on disk, None when unreadable or over the size limit."""
        try:
            data, _, _ = read_limited(self.session.root / path, self.session.config.max_note_bytes)
        except OSError:
            return None
        return data

    def hashes(self) -> dict[str, str]:
        """Every note of the index and its content hash; blocking, for worker threads."""
        return read_hashes(self.session.db.path)

    async def backlog(self) -> tuple[int, int]:
        """Notes in the index, and notes waiting to be embedded (or their vectors dropped)."""
        vectors = self._ready()
        hashes = await asyncio.to_thread(self.hashes)
        stale, gone = vectors.pending(hashes)
        return len(hashes), len(stale) + len(gone)

    async def pending(self) -> int:
        """Notes waiting to be embedded (or their vectors dropped)."""
        return (await self.backlog())[1]

    async def sync(
        self,
        read: Callable[[str], bytes | None] | None = None,
        first: Sequence[str] = (),
        progress: Callable[[int, int], None] | None = None,
    ) -> SyncReport:
        """Embed every note whose text changed since it was last embedded."""
        vectors = self._ready()

        def work() -> SyncReport:
            return vectors.sync(
                self.hashes(), self.facts, read or self.read_disk, first, progress, self.gate
            )

        return await asyncio.to_thread(work)

    async def related(self, query: RelatedQuery) -> list[RelatedNote]:
        """Notes related to ``query`` (see :mod:`vespera.semantic.related`)."""
        vectors = self._ready()
        graph = self.session.graph
        return await asyncio.to_thread(find_related, vectors, self.facts, graph.read, query)

    def _ready(self) -> VaultVectors:
        if self.vectors is None:
            raise ModelUnavailableError("The semantic index is not open.")
        return self.vectors

    async def close(self) -> None:
        """Stop a pass under way and let the store go."""
        self.gate.stop()
        if self.vectors is not None:
            vectors, self.vectors = self.vectors, None
            await asyncio.to_thread(vectors.close)
