"""A vault's embeddings as the server keeps them: opened after the first index, then kept in step.

Loading the model waits until the vault is indexed, so that completions and diagnostics come
first. Embedding runs in a worker thread that leaves a core to the editor, reports
``$/progress``, can be paused, and goes again (after a short quiet time) whenever the index
changes. When no model can be loaded the writer is told once why and how to fix it; every
other feature goes on as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from vespera.semantic.gate import Gate
from vespera_protocol.messages import SemanticState, SemanticStatus

if TYPE_CHECKING:
    # Loaded when embedding begins (numpy, onnxruntime, Chroma): a server with semantic
    # features off, and every server until its vault is indexed, starts without them.
    from vespera.lsp.server import Progress
    from vespera.lsp.vault_host import VaultHost
    from vespera.semantic.layer import SemanticLayer

log = logging.getLogger(__name__)

_QUIET = 1.0  # seconds after the index last changed before embedding again
_RETRY = 60.0  # seconds before an endpoint that failed is tried again
_PROGRESS_EVERY = 0.5  # seconds between progress reports


class SemanticHost:
    """The semantic layer of one served vault."""

    def __init__(self, host: VaultHost) -> None:
        self.host = host
        self.layer: SemanticLayer | None = None
        self.state: SemanticState = "off"
        self.message = ""
        self.unavailable_because = ""
        """A few words on why the layer is unavailable, for the related-notes lens."""
        self.done = 0
        self.total = 0
        # Owned here rather than by the layer: a pause asked while the model loads holds.
        self.gate = Gate()
        self._passing = False
        self._dirty = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self._kept_local = False

    @property
    def ready(self) -> bool:
        """Whether related notes can be asked for (vectors may still be filling)."""
        return self.layer is not None and self.layer.vectors is not None

    @property
    def may_send_notes(self) -> bool:
        """Whether the layer may send notes off this machine: it was started while the
        workspace was trusted, and its provider is remote (or not known yet: it is loading)."""
        if self._kept_local:
            return False
        layer = self.layer
        return layer is None or layer.settings is None or layer.settings.remote

    async def run(self) -> None:
        """Open the layer, embed the vault, then keep it in step until cancelled."""
        from vespera.semantic.layer import SemanticLayer

        session = self.host.session
        assert session is not None
        self.message = ""
        self.gate = Gate() if self.gate.stopped.is_set() else self.gate
        self._set_state("loading")
        # An untrusted workspace's notes stay on this machine: a remote provider is refused.
        self._kept_local = not self.host.server.settings.trusted
        keep_local = "the workspace is not trusted" if self._kept_local else None
        layer = SemanticLayer(session, interactive=True, gate=self.gate, keep_local=keep_local)
        if not await self._open(layer):
            return
        self.layer = layer
        if layer.settings_message:
            self.host.server.tell_user(layer.settings_message, warning=True)
        log.info("Embedding notes of %s with %s", self.host.root, layer.model_name)
        self._dirty.set()
        try:
            while True:
                await self._dirty.wait()
                self._dirty.clear()
                try:
                    await self._pass(layer)
                except Exception:  # one failed pass must not end embedding for the session
                    log.exception("Embedding the notes of %s failed", self.host.root)
                    self._set_state("paused" if self.gate.paused else "ready")
        finally:
            self.layer = None
            await layer.close()
            self._set_state("off")
            self.host.server.refresh_code_lenses()

    async def _open(self, layer: SemanticLayer) -> bool:
        from vespera.semantic.model_files import ModelUnavailableError

        # Shielded: the model and the store load in a thread that a cancellation cannot stop,
        # and what it opened must still be closed.
        opening = asyncio.ensure_future(layer.open())
        try:
            await asyncio.shield(opening)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await opening
            await layer.close()
            raise
        except ModelUnavailableError as exc:
            if layer.settings is not None and layer.settings.provider == "none":
                log.info("Semantic features are off on this machine (provider: none)")
                self._set_state("off")
            elif layer.settings is not None and layer.settings.remote and self._kept_local:
                self._unavailable(str(exc), "the workspace is not trusted")
            else:
                self._unavailable(str(exc))
            return False
        except Exception as exc:
            log.exception("Opening the semantic index of %s failed", self.host.root)
            self._unavailable(f"The semantic index cannot be opened: {exc}")
            return False
        return True

    def changed(self) -> None:
        """The index changed: embed what changed once it has been quiet a moment."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(_QUIET, self._dirty.set)

    async def _pass(self, layer: SemanticLayer) -> None:
        from vespera.semantic.embedders import EmbeddingError

        pending = await layer.pending()
        if pending == 0:
            self._set_state("paused" if self.gate.paused else "ready")
            return
        self.done, self.total = 0, pending
        self._passing = True
        self._set_state("paused" if self.gate.paused else "embedding")
        progress = await self.host.server.progress_begin("Vespera: embedding notes")
        loop = asyncio.get_running_loop()
        last = [0.0]

        def report(done: int, total: int) -> None:  # called from the worker thread
            now = time.monotonic()
            if now - last[0] >= _PROGRESS_EVERY or done == total:
                last[0] = now
                loop.call_soon_threadsafe(self._progress, progress, done, total)

        # Open notes are embedded as the editor has them (the index holds that text), and
        # first. Lone surrogates pass as the index lets them.
        texts = {p: d.text.encode("utf-8", "surrogatepass") for p, d in self.host.documents.items()}
        first = [p for p in (self.host.active_note, *texts) if p]
        outcome = "Embedded"
        try:
            result = await layer.sync(
                read=lambda path: texts[path] if path in texts else layer.read_disk(path),
                first=first,
                progress=report,
            )
            self.message = ""
            log.info(
                "Embedded %d notes of %s (%d passages, %d kept) in %.1f s",
                result.embedded,
                self.host.root,
                result.passages,
                result.reused,
                result.seconds,
            )
        except EmbeddingError as exc:
            outcome = "Embedding failed"
            self.message = f"Embedding notes failed: {exc} Trying again in {_RETRY:.0f} s."
            log.warning("%s", self.message)
            loop.call_later(_RETRY, self._dirty.set)
        finally:
            self._passing = False
            progress.end(outcome)
            self._set_state("paused" if self.gate.paused else "ready")
            self.host.server.refresh_code_lenses()

    def _progress(self, progress: Progress, done: int, total: int) -> None:
        self.done, self.total = done, total
        progress.report("embedding", done, total)
        self.host.send_status()

    def set_paused(self, paused: bool) -> None:
        """Pause or resume embedding (a batch under way finishes first)."""
        if paused:
            self.gate.pause()
            if self.state in ("embedding", "ready"):
                self._set_state("paused")
            return
        self.gate.resume()
        if self.state == "paused":
            self._set_state("embedding" if self._passing else "ready")
        self._dirty.set()

    async def status(self) -> SemanticStatus:
        """How the embeddings stand now."""
        layer = self.layer
        notes = pending = passages = 0
        if layer is not None and layer.vectors is not None:
            notes, pending = await layer.backlog()
            passages = len(layer.vectors.matrix)
        return SemanticStatus(
            vault=self.host.uri,
            state=self.state,
            model=layer.model_name if layer is not None else "",
            notes=notes,
            pending=pending,
            passages=passages,
            paused=self.gate.paused,
            message=self.message,
        )

    def _unavailable(self, reason: str, because: str = "no embedding model") -> None:
        self.unavailable_because = because
        self.message = (
            f"Related notes and semantic search are off for {self.host.root.name}: {reason} "
            "Everything else works as before."
        )
        self._set_state("unavailable")
        log.warning("%s", self.message)
        self.host.server.tell_user(self.message, warning=True)
        self.host.server.refresh_code_lenses()

    def _set_state(self, state: SemanticState) -> None:
        if state not in ("embedding", "paused"):
            self.done = self.total = 0
        self.state = state
        self.host.send_status()
