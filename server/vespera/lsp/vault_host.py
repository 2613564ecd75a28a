"""One vault as the server serves it: its session, catalog, open documents and their findings.

The host mutates its state only from notifications (open, change, close, file events) and from
its own background tasks; requests read the current :class:`Catalog` snapshot and the open
documents, and query the index through a read-only connection, so they never wait for indexing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from vespera.automation.rules import is_rule_path
from vespera.automation.runner import SWITCHED_OFF, UNTRUSTED, AutomationEngine
from vespera.automation.templates import Renderer
from vespera.codex.check import type_findings
from vespera.codex.types import Codex, is_type_path, load_codex, parse_type_file
from vespera.editor.catalog import Catalog
from vespera.editor.cursor import cursor_at, slot_at
from vespera.editor.document import (
    DEFAULT_LIMIT,
    LARGE_TEXT,
    EditorDocument,
    parse_editor_text,
)
from vespera.editor.findings import Anchors, Finding, anchor_targets, note_findings
from vespera.editor.rule_findings import rule_findings
from vespera.index.reader import read_limited
from vespera.lsp.automation_host import EditorNotes, report
from vespera.lsp.semantic_host import SemanticHost
from vespera.session import VaultError, VaultSession
from vespera.store.index_reader import IndexReader
from vespera.store.state import StateLockedError
from vespera.vault.config import CONFIG_FILE
from vespera.vault.model import Block, Heading, LinkKind
from vespera.vault.parser import empty_note, parse_bytes, too_large
from vespera.vault.resolve import UNRESOLVED, Resolution
from vespera.vault.walk import is_note_path
from vespera_protocol.events import EXTERNAL, USER
from vespera_protocol.messages import StatusParams, VaultState

if TYPE_CHECKING:
    from vespera.lsp.server import VesperaServer

log = logging.getLogger(__name__)

_PROGRESS_EVERY = 0.25  # seconds between progress reports while indexing
_CATALOG_EVERY = 1.0  # seconds between catalog refreshes while a long scan runs
_RETRY_SECONDS = 15  # between attempts to open stores another process holds
_SETTLE_AT_EXIT = 5.0  # seconds a shutdown waits for the events of saved and closed notes


class VaultUnavailableError(RuntimeError):
    """The vault's stores could not be opened; the message says why."""


class VaultHost:
    """A workspace folder the server serves as a vault."""

    def __init__(self, server: VesperaServer, uri: str, root: Path, state_dir: Path | None) -> None:
        self.server = server
        self.uri = uri
        self.client_root = root  # as the editor sent it
        self.root = root.resolve()
        # The URI each open note was opened with (what the editor expects back), and back.
        self.uris: dict[str, str] = {}
        self.open_paths: dict[str, str] = {}
        self.state_dir = state_dir
        self.session: VaultSession | None = None
        self.automation: AutomationEngine | None = None
        self.semantic = SemanticHost(self)
        self._semantic_task: asyncio.Task[None] | None = None
        self._renderer: Renderer | None = None
        self.reader: IndexReader | None = None
        self.catalog = Catalog()
        self.codex = Codex()
        self.documents: dict[str, EditorDocument] = {}
        self.active_note: str | None = None
        """The note the writer last opened or typed in (what "the active note" means to
        commands sent by editors that do not name one)."""
        self.state: VaultState = "starting"
        self.message = ""
        self.ready = asyncio.Event()
        self._indexed = 0
        self._total = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._index_timers: dict[str, asyncio.TimerHandle] = {}
        self._diagnostic_timers: dict[str, asyncio.TimerHandle] = {}
        self._settle_timers: dict[str, asyncio.TimerHandle] = {}
        # Work that makes events of a save or a close: finished, not cancelled, at shutdown.
        self._settling: set[asyncio.Task[None]] = set()
        # Where each open note's last edit ended (line, UTF-16 column), when the editor said.
        self._edit_ends: dict[str, tuple[int, int]] = {}
        self._catalog_task: asyncio.Task[None] | None = None
        self._catalog_again = False
        self._stop = asyncio.Event()
        # Bumped whenever what findings depend on (catalog, codex) changes: pull diagnostics'
        # result ids carry it, so unchanged reports can be told apart from stale ones.
        self.generation = 0
        self._watching = False

    # -- life cycle -------------------------------------------------------------------------

    def launch(self) -> None:
        """Start serving in the background (``close`` stops it, even half-way)."""
        self._spawn(self.start())

    async def start(self) -> None:
        """Open the stores, then index the vault in the background, reporting progress."""
        self._set_state("starting")
        await self._load_codex()
        if not await self._open_stores():
            self.ready.set()
            self._spawn(self._retry_open())
            return
        await self._begin()

    async def _open_stores(self) -> bool:
        try:
            session = await VaultSession.open(self.root, self.state_dir)
            try:
                reader = await IndexReader.open(session.db.path)
            except BaseException:
                await session.close()
                raise
            if self._stop.is_set():  # closed while opening: give the stores straight back
                await reader.close()
                await session.close()
                return False
            self.session, self.reader = session, reader
        except (StateLockedError, VaultError, OSError) as exc:
            message = (
                f"Vespera cannot open the index of {self.root}: {exc} Until it can (it tries "
                f"again every {_RETRY_SECONDS} s), completions and diagnostics for this vault "
                "come from open notes only."
            )
            if message != self.message:  # retries say it once
                self.message = message
                log.warning("%s", message)
                self.server.tell_user(message, warning=True)
                self._set_state("unavailable")
            return False
        self.message = ""
        return True

    async def _retry_open(self) -> None:
        """Try the stores again now and then: the other process may end."""
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), _RETRY_SECONDS)
                return
            except TimeoutError:
                pass
            if await self._open_stores():
                log.info("The index of %s is available now", self.root)
                await self._begin()
                return

    async def _begin(self) -> None:
        assert self.session is not None
        await self._start_automation()
        for path, doc in self.documents.items():
            doc.limit = self.session.config.max_note_bytes
            if is_note_path(path):
                self.session.indexer.held.add(path)
                self._schedule_index(path, doc, 0)
        await self._refresh_catalog()
        self._spawn(self._initial_scan())

    async def _start_automation(self) -> None:
        assert self.session is not None
        engine = AutomationEngine(self.session)
        engine.open_notes = EditorNotes(self)
        engine.listeners.append(lambda trace: report(self, trace))
        # Kept before it starts, so that closing the vault half-way through closes it too.
        self.automation = engine
        self.apply_hold()  # before it subscribes: the first events it gets may be held
        await engine.start(codex=self.codex)

    def apply_hold(self) -> None:
        """Hold the automation while the editor does not trust the workspace or the settings
        switch it off; lift it when neither holds (events that came meanwhile are not run
        then: they were explained)."""
        settings = self.server.settings
        if self.automation is not None:
            hold = UNTRUSTED if not settings.trusted else None
            self.automation.hold(hold or (None if settings.automation else SWITCHED_OFF))

    async def reindex(self) -> None:
        """Read every file again (hashes still spare unchanged notes their parsing)."""
        if self.session is None:
            return
        self.session.indexer.reread_all()
        await self._initial_scan()

    async def _initial_scan(self) -> None:
        assert self.session is not None
        progress = await self.server.progress_begin("Vespera: indexing the vault")
        last = [0.0, 0.0]
        # While a first index fills an empty catalog, completions improve as it goes; a later
        # scan mostly confirms what is known, and reloading the catalog then only costs time.
        filling = not self.catalog.notes
        changed = True

        def report(phase: str, done: int, total: int) -> None:
            self._indexed, self._total = done, total
            now = time.monotonic()
            if now - last[0] >= _PROGRESS_EVERY or done == total:
                last[0] = now
                progress.report(phase, done, total)
                self._send_status()
            if filling and phase == "indexing" and now - last[1] >= _CATALOG_EVERY:
                last[1] = now
                self.refresh_catalog()

        self._set_state("indexing")
        try:
            result = await self.session.index(report)
            changed = result.changed or filling
            log.info(
                "Indexed %s: %d notes, %d read, %d problems in %.1f s",
                self.root,
                result.files,
                result.parsed,
                result.problems,
                result.seconds,
            )
        except Exception:
            log.exception("Indexing %s failed", self.root)
            self.server.tell_user(f"Indexing {self.root} failed; see the log for details.")
        finally:
            progress.end("Indexed")
        if changed:
            await self._refresh_catalog()
        self._set_state("ready")
        self.ready.set()
        self.start_semantic()
        if not self._watching and not self.server.files_watched:
            self._watching = True
            self._spawn(self._watch())

    def start_semantic(self) -> None:
        """Start embedding the vault, once it is indexed and if the settings want it; stop
        it when they no longer do. A layer that ended (no model, say) is tried again, and one
        that may send notes away is started again when the workspace is no longer trusted."""
        task = self._semantic_task
        running = task is not None and not task.done()
        wanted = self.server.settings.semantic
        if running and not wanted:
            assert task is not None
            task.cancel()
            self._semantic_task = None
        elif running and not self.server.settings.trusted and self.semantic.may_send_notes:
            assert task is not None
            self._semantic_task = self._spawn(self._restart_semantic(task))
        elif (
            not running
            and wanted
            and self.session is not None
            and self.ready.is_set()
            and not self._stop.is_set()
        ):
            self._semantic_task = self._spawn(self.semantic.run())

    async def _restart_semantic(self, running: asyncio.Task[None]) -> None:
        # The layer under way is closed before the next opens (they share the gate and state).
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        self._semantic_task = None
        self.start_semantic()

    async def _watch(self) -> None:
        from vespera.index.watcher import watch_vault

        assert self.session is not None
        await watch_vault(
            self.session,
            self._stop,
            lambda _report: self.refresh_catalog(),
            on_paths=self._types_touched,
        )

    async def _load_codex(self) -> None:
        self.codex = await asyncio.to_thread(load_codex, self.root)
        self.generation += 1
        for path, problems in self.codex.problems.items():
            for problem in problems:
                line = f" (line {problem.range.start_line + 1})" if problem.range else ""
                log.warning("%s%s: %s", path, line, problem.message)

    def _types_touched(self, paths: list[str]) -> None:
        if any(map(is_type_path, paths)):
            self._spawn(self.reload_codex())
        elif self.automation is not None:
            for path in filter(is_rule_path, paths):
                self._spawn(self._reload_rules(path))

    async def _reload_rules(self, path: str) -> None:
        if self.automation is not None:
            await asyncio.to_thread(self.automation.reload_file, path)

    async def reload_codex(self) -> None:
        """Read the codex types again, check the rules and open notes against them."""
        await self._load_codex()
        if self.automation is not None:
            await asyncio.to_thread(self.automation.reload, self.codex)
        for path in self.documents:
            self.schedule_diagnostics(path, 0)

    async def close(self) -> None:
        """Stop background work, then close the stores (consistent on disk)."""
        self._stop.set()
        for timer in [
            *self._index_timers.values(),
            *self._diagnostic_timers.values(),
            *self._settle_timers.values(),
        ]:
            timer.cancel()
        if self._settling:
            # Editors save and close notes just before they exit: those are the writer's
            # changes, and their events are made before the stores close.
            await asyncio.wait(self._settling, timeout=_SETTLE_AT_EXIT)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.automation is not None:
            await self.automation.close()
        if self.reader is not None:
            await self.reader.close()
        if self.session is not None:
            await self.session.close()

    # -- documents --------------------------------------------------------------------------

    def path_of(self, file: Path) -> str | None:
        """The vault-relative path of ``file``, if it is inside this vault."""
        try:
            return file.resolve().relative_to(self.root).as_posix()
        except (ValueError, OSError):
            return None

    def open_document(
        self, path: str, text: str, version: int | None, uri: str | None = None
    ) -> EditorDocument:
        """The editor opened a note: its text now stands for the note."""
        if uri is not None:
            self.uris[path] = uri
            self.open_paths[uri] = path
        doc = self.documents.get(path)
        if doc is None:
            doc = self.documents[path] = EditorDocument(path, text, version)
            if self.session is not None:
                doc.limit = self.session.config.max_note_bytes
        else:
            doc.replace(text, version)
        if self.session is not None and is_note_path(path):
            self.session.indexer.held.add(path)
            self._schedule_index(path, doc, 0)
            self.active_note = path
        self.schedule_diagnostics(path, 0)
        return doc

    def change_document(
        self,
        path: str,
        text: str,
        version: int | None,
        edit_end: tuple[int, int] | None = None,
    ) -> None:
        """The editor changed a note's text; ``edit_end`` is where the last change ended."""
        doc = self.documents.get(path)
        if doc is None:
            self.open_document(path, text, version)
            return
        doc.replace(text, version)
        if edit_end is not None:
            self._edit_ends[path] = edit_end
        else:
            self._edit_ends.pop(path, None)
        if self.session is not None and is_note_path(path):
            self.active_note = path
            self._schedule_index(path, doc, self.server.settings.index_delay_ms / 1000)
            self._schedule_settle(path, self.server.settings.events_idle_ms / 1000)
        self.schedule_diagnostics(path, self.server.settings.diagnostics_delay_ms / 1000)

    def save_document(self, path: str) -> None:
        """The editor saved a note (its changes become events now) or a rule file (reloaded)."""
        if (timer := self._settle_timers.pop(path, None)) is not None:
            timer.cancel()
        if self.session is not None and is_note_path(path):
            self._settling.add(self._spawn(self._settle(path)))
        elif is_rule_path(path) and self.automation is not None:
            # The saved version of a rule runs from now on, without a restart.
            self._spawn(self._reload_rules(path))

    def _schedule_settle(self, path: str, delay: float) -> None:
        def settle() -> Awaitable[None] | None:
            return None if self._typing_a_token(path) else self._settle(path)

        self._debounce(self._settle_timers, path, delay, settle)

    def _debounce(
        self,
        timers: dict[str, asyncio.TimerHandle],
        path: str,
        delay: float,
        work: Callable[[], Awaitable[None] | None],
    ) -> None:
        """Run ``work()`` for ``path`` after ``delay`` seconds, unless asked again before."""
        if (timer := timers.pop(path, None)) is not None:
            timer.cancel()

        def fire() -> None:
            timers.pop(path, None)
            if (started := work()) is not None:
                self._spawn(started)

        timers[path] = asyncio.get_running_loop().call_later(delay, fire)

    def _typing_a_token(self, path: str) -> bool:
        """Whether the last edit of ``path`` ended inside a tag, link or value being typed."""
        doc, end = self.documents.get(path), self._edit_ends.get(path)
        if doc is None or end is None:
            return False
        return slot_at(doc, cursor_at(doc, *end)) is not None

    async def _settle(self, path: str) -> None:
        """Index the note's latest text, then make the events of its changes."""
        if self.session is None:
            return
        await self.flush(path)
        try:
            await self.session.settle([path])
        except Exception:
            log.exception("Making the events of %s failed", path)

    def close_document(self, path: str) -> None:
        """The editor closed a note: the file on disk stands for it again."""
        self.documents.pop(path, None)
        self._edit_ends.pop(path, None)
        for timers in (self._index_timers, self._diagnostic_timers, self._settle_timers):
            if (timer := timers.pop(path, None)) is not None:
                timer.cancel()
        if not self.server.pull_diagnostics:
            self.server.publish(self, path, None, [])
        self.open_paths.pop(self.uris.pop(path, ""), None)
        if self.session is not None:
            self.session.indexer.held.discard(path)
            self._settling.add(self._spawn(self._update([path], settle=True)))

    def files_changed(self, paths: list[str]) -> None:
        """Files changed on disk (reported by the editor's watcher)."""
        self._types_touched(paths)
        notes = [p for p in paths if not is_type_path(p) and not is_rule_path(p)]
        if self.session is not None and notes:
            self._spawn(self._update(notes))

    async def flush(self, path: str) -> None:
        """Index the editor's text of ``path`` now if an edit is waiting for the quiet time."""
        timer = self._index_timers.pop(path, None)
        doc = self.documents.get(path)
        if timer is not None and doc is not None:
            timer.cancel()
            await self._index_text(path, doc)

    async def flush_all(self) -> None:
        """Index every waiting edit now: vault-wide answers (references, rename) need them."""
        for path in list(self._index_timers):
            await self.flush(path)

    def _schedule_index(self, path: str, doc: EditorDocument, delay: float) -> None:
        self._debounce(self._index_timers, path, delay, lambda: self._index_text(path, doc))

    async def _index_text(self, path: str, doc: EditorDocument) -> None:
        if self.session is None or self.documents.get(path) is not doc:
            return
        try:
            # The diagnostics have usually parsed this text already.
            parsed = None if doc.needs_parse else doc.parsed
            report = await self.session.indexer.update_text(path, doc.text, parsed)
        except Exception:
            log.exception("Indexing the editor's text of %s failed", path)
            return
        if report.changed:
            self.refresh_catalog()

    async def _update(self, paths: list[str], settle: bool = False) -> None:
        assert self.session is not None
        try:
            # A note the editor let go of: its file stands for it again, by the writer's doing.
            report = await self.session.update(paths, USER if settle else EXTERNAL)
            if settle:
                # A note closed unsaved and unchanged on disk: its events wait no longer.
                await self.session.settle(paths)
        except Exception:
            log.exception("Re-indexing %d changed files failed", len(paths))
            return
        if report.changed or CONFIG_FILE in paths:
            self.refresh_catalog()

    # -- catalog ----------------------------------------------------------------------------

    def refresh_catalog(self) -> None:
        """Load a new catalog soon; requests made meanwhile coalesce into one more load."""
        if self._catalog_task is not None and not self._catalog_task.done():
            self._catalog_again = True
            return
        self._catalog_task = self._spawn(self._refresh_loop())

    async def _refresh_loop(self) -> None:
        while True:
            self._catalog_again = False
            await self._refresh_catalog()
            if not self._catalog_again:
                return

    async def _refresh_catalog(self) -> None:
        if self.reader is None:
            return
        try:
            catalog = await Catalog.load(self.reader)
        except Exception:
            log.exception("Reading the catalog of %s failed", self.root)
            return
        if catalog.signature != self.catalog.signature:
            self.generation += 1  # other notes' findings may have changed
        self.catalog = catalog
        self._send_status()
        if self._semantic_task is not None:
            self.semantic.changed()
        for path in self.documents:
            self.schedule_diagnostics(path, 0)
        if self.server.pull_diagnostics and not self.documents:
            self.server.refresh_diagnostics()

    # -- diagnostics ------------------------------------------------------------------------

    def schedule_diagnostics(self, path: str, delay: float) -> None:
        """Publish ``path``'s diagnostics after ``delay`` seconds without further edits."""
        self._debounce(self._diagnostic_timers, path, delay, lambda: self._publish(path))

    async def _publish(self, path: str) -> None:
        if self.server.pull_diagnostics:
            # The client asks for diagnostics itself; tell it they may have changed.
            self.server.refresh_diagnostics()
            return
        doc = self.documents.get(path)
        if doc is None:
            return
        version = doc.version
        findings = await self.findings(doc)
        if self.documents.get(path) is doc and doc.version == version:
            self.server.publish(self, path, version, findings)

    async def findings(self, doc: EditorDocument) -> list[Finding]:
        """Everything wrong with an open note (or type or rule file), as it stands in the editor."""
        if is_type_path(doc.path):
            _, problems = parse_type_file(Path(doc.path).stem, doc.text)
            return [Finding.of(p) for p in problems]
        if is_rule_path(doc.path):
            renderer = self.rule_renderer()
            return await asyncio.to_thread(rule_findings, doc.path, doc.text, renderer, self.codex)
        if not is_note_path(doc.path):
            return []
        await self.parse(doc)
        note = doc.parsed
        if self.session is None:
            return [Finding.of(p) for p in note.problems]
        resolver = self.session.indexer.resolver
        anchors = {p: await self.anchors(p) for p in anchor_targets(note, resolver)}
        settings = self.server.settings
        catalog = self.catalog if settings.tag_hygiene else Catalog()
        vocabulary = self.session.config.tag_vocabulary
        found = note_findings(note, resolver, catalog, anchors, vocabulary)
        found += type_findings(note, doc.line, self.codex, resolver, self.note_type)
        return found

    def rule_renderer(self) -> Renderer:
        """The template checker of rule files: the engine's, or one of its own until it runs."""
        if self.automation is not None:
            return self.automation.renderer
        if self._renderer is None:
            self._renderer = Renderer()
        return self._renderer

    async def closed_note_findings(self, paths: list[str]) -> dict[str, list[Finding]]:
        """Findings of notes not open in the editor, read from disk (parsed in a thread)."""
        out = {}
        for doc in await asyncio.to_thread(_read_documents, self.root, paths, self._limit):
            out[doc.path] = await self.findings(doc)
        return out

    async def document_of(self, path: str) -> EditorDocument | None:
        """A note as the editor has it if open, else as on disk (None if it cannot be read)."""
        doc = self.documents.get(path)
        if doc is not None:
            await self.parse(doc)
            return doc
        read = await asyncio.to_thread(_read_documents, self.root, [path], self._limit)
        return read[0] if read else None

    @property
    def _limit(self) -> int:
        return self.session.config.max_note_bytes if self.session else DEFAULT_LIMIT

    def resolve(self, target: str, kind: LinkKind, source: str) -> Resolution:
        """Where a link written in ``source`` goes (unresolved while the index is unavailable)."""
        if self.session is None:
            return UNRESOLVED
        return self.session.indexer.resolver.resolve(target, kind, source)

    async def outline_of(self, path: str) -> tuple[list[Heading], list[Block]]:
        """A note's headings and blocks: from the editor if open, else from the index."""
        doc = self.documents.get(path)
        if doc is not None:
            await self.parse(doc)
            return list(doc.parsed.headings), list(doc.parsed.blocks)
        if self.reader is None:
            return [], []
        headings = [Heading(*h) for h in await self.reader.headings(path)]
        blocks = [Block(*b) for b in await self.reader.blocks(path)]
        return headings, blocks

    def note_type(self, path: str) -> str | None:
        """The codex type of a note: as the editor has it if open, else as indexed."""
        doc = self.documents.get(path)
        if doc is not None:
            return doc.parsed.type
        note = self.catalog.notes.get(path)
        return note.type if note is not None else None

    async def parse(self, doc: EditorDocument) -> None:
        """Parse a large buffer in a thread, so the event loop stays free; small ones inline."""
        if len(doc.text) > LARGE_TEXT and doc.needs_parse:
            text = doc.text
            parsed = await asyncio.to_thread(parse_editor_text, doc.path, text, doc.limit)
            doc.set_parsed(parsed, text)

    async def anchors(self, path: str) -> Anchors:
        """Headings and block ids of a note, for checking links into it."""
        headings, blocks = await self.outline_of(path)
        return Anchors.of((h.text for h in headings), (b.id for b in blocks))

    # -- status -----------------------------------------------------------------------------

    def _set_state(self, state: VaultState) -> None:
        self.state = state
        self._send_status()

    def send_status(self) -> None:
        """Tell a client that asked how the vault stands (its index and embeddings)."""
        self._send_status()

    def _send_status(self) -> None:
        notes = len(self.catalog.notes)
        self.server.send_status(
            StatusParams(
                vault=self.uri,
                state=self.state,
                notes=notes,
                indexed=self._indexed,
                total=self._total,
                problems=self.catalog.problems,
                message=self.message,
                semantic=self.semantic.state,
                embedded=self.semantic.done,
                pending=self.semantic.total,
            )
        )

    def _spawn(self, work: Awaitable[None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._settling.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("Background work on %s failed", self.root, exc_info=exc)


def _read_documents(root: Path, paths: list[str], limit: int) -> list[EditorDocument]:
    """Read and parse notes from disk, as the indexer would; unreadable ones are left out."""
    out = []
    for path in paths:
        try:
            data, size, _ = read_limited(root / path, limit)
        except OSError:
            continue
        if data is None:
            doc = EditorDocument(path, "", None, limit)
            doc.set_parsed(empty_note(path, too_large(size, limit)), doc.text)
        else:
            doc = EditorDocument(path, data.decode("utf-8", "replace"), None, limit)
            doc.set_parsed(parse_bytes(path, data), doc.text)  # reports bad bytes as the index does
        out.append(doc)
    return out
