"""The indexer: brings SQLite and Kuzu in step with the vault's files.

A scan lists the vault, skips files whose size and mtime are unchanged (no read, no parse),
reads the rest (in worker processes when there are many), skips those whose content hash is
unchanged, and stores the others batch by batch, each batch one SQLite transaction. Links are
resolved against an in-memory :class:`LinkResolver`; when a batch adds, removes or renames
names, the stored links that named them are resolved again in the same transaction. The graph is
then brought up to date from SQLite: a bulk ``COPY`` when most of it changed, otherwise by
replacing the changed notes' rows.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from vespera.events.detect import Origin
from vespera.events.recorder import EventRecorder
from vespera.index.reader import (
    ReadResult,
    read_notes,
    read_notes_packed,
    read_text,
    start_worker,
    unpack_results,
)
from vespera.store.graph import GRAPH_SCHEMA_VERSION, GraphStore
from vespera.store.graph_rows import GraphCollector, GraphRows, NoteGraph, by_note
from vespera.store.index_db import IndexDatabase, NoteRecord, WriteBatch
from vespera.store.index_queries import StoredFile
from vespera.store.note_rows import LINK_KIND, LINK_NAME, LINK_TARGET
from vespera.store.note_state import NoteState, state_of
from vespera.vault.config import VaultConfig
from vespera.vault.model import LinkKind, ParsedNote, Problem
from vespera.vault.resolve import LinkResolver, Resolution
from vespera.vault.walk import IgnoreRules, WalkResult, is_note_path, walk_vault
from vespera_protocol.events import CATCH_UP, EXTERNAL, USER

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")
BATCH_NOTES = 500
_CHUNK = 64
_POOL_THRESHOLD = 400
_BULK_GRAPH_SHARE = 0.25
_BULK_INDEXES_MIN = 2000
_IN_FLIGHT = 8  # chunks handed to the parse workers and not yet taken back
_EDITOR_MTIME = -1  # the stored time of notes indexed from an editor's text
_DIFF_LIMIT = 50  # notes per batch up to which the graph receives differences only
_EVENTS_META = "events_since"  # set once a vault's first index is complete


@dataclass
class IndexReport:
    """What one indexing pass did."""

    files: int = 0
    parsed: int = 0
    unchanged: int = 0
    touched: int = 0
    deleted: int = 0
    renamed: list[tuple[str, str]] = field(default_factory=list)
    unreadable: int = 0
    problems: int = 0
    graph: str = "none"
    events: int = 0  # events this pass added to the log
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether anything in the stores changed."""
        return bool(self.parsed or self.deleted or self.touched)


@dataclass
class _Pass:
    """The state of one indexing operation, from its first read to its last write."""

    stored: dict[str, StoredFile]
    report: IndexReport
    batch: WriteBatch
    changed_names: set[str] = field(default_factory=set)
    # Content hash of each removed note, and path by hash of each new one: renames are the
    # pairs that share a hash. Only hashes are kept, not the notes' rows.
    deleted: dict[str, str] = field(default_factory=dict)
    created: dict[str, str] = field(default_factory=dict)
    # Wikilink resolutions by target, grouped by the name they depend on (see _resolve).
    resolved: dict[str, dict[str, Resolution]] = field(default_factory=dict)
    # The graph's rows, gathered as the notes are stored, when the graph is then loaded whole.
    graph: GraphCollector | None = None
    # Who the changes are by, when they make events now (None: the first index of a vault,
    # which makes none); ``deferred``: an editor's text, whose events wait for it to settle.
    origin: Origin | None = None
    deferred: bool = False

    def delete(self, path: str) -> None:
        self.deleted[path] = self.stored[path].content_hash
        self.batch.deletions.append(path)


def _put(
    queue: asyncio.Queue[tuple[int, asyncio.Future[bytes]]], n: int, future: asyncio.Future[bytes]
) -> None:
    queue.put_nowait((n, future))


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


async def _graph_work(work: Callable[..., T], *args: Any) -> T:
    """Run graph work in a thread; if cancelled, wait for the thread before unwinding.

    A cancelled ``to_thread`` returns at once while its thread goes on; closing the graph
    then (as shutting down does) would pull the database from under a running statement.
    """
    future = asyncio.ensure_future(asyncio.to_thread(work, *args))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait([future])
        raise


def _announcing(
    method: Callable[Concatenate[Indexer, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[Indexer, P], Coroutine[Any, Any, R]]:
    """Tell subscribers of the events an indexing operation committed, once it is over."""

    @functools.wraps(method)
    async def run(self: Indexer, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(self, *args, **kwargs)
        finally:
            self._announce()

    return run


def _workers() -> int:
    return min(2, os.cpu_count() or 1)


def _parallel(notes: int) -> bool:
    """Whether reading ``notes`` files is worth worker processes."""
    return notes >= _POOL_THRESHOLD and _workers() > 1


def _plan(
    walked: WalkResult, stored: dict[str, StoredFile], held: frozenset[str], reread: bool
) -> tuple[list[str], list[str]]:
    """What is gone from the vault, and what a scan must read."""
    found = {f.path: f for f in walked.files}
    # Notes in folders that could not be listed, or whose files could not be looked at, may
    # well still exist: they keep what the index knows of them.
    blocked = [p + "/" for p, prob in walked.problems if prob.code == "unreadable-folder"]
    unseen = {p for p, prob in walked.problems if prob.code == "unreadable-file"}
    gone = [
        p
        for p in stored
        if p not in found
        and p not in unseen
        and p not in held
        and not any(p.startswith(b) or b == "./" for b in blocked)
    ]
    to_read = [
        f.path
        for f in walked.files
        if f.path not in held
        and (
            reread
            or (s := stored.get(f.path)) is None
            or (s.mtime_ns, s.size) != (f.mtime_ns, f.size)
        )
    ]
    return gone, to_read


class Indexer:
    """Keeps one vault's stores consistent with its files. One operation runs at a time."""

    def __init__(
        self, root: Path, db: IndexDatabase, graph: GraphStore, config: VaultConfig
    ) -> None:
        self.root = root
        self.db = db
        self.graph = graph
        self.config = config
        self.rules = IgnoreRules(config.ignore)
        self.resolver = LinkResolver()
        self._lock = asyncio.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._reread_all = False
        # Graph rows of notes as they were before this operation's writes, when known to match
        # Kuzu (the note was not pending): the graph then receives only what changed.
        self._graph_before: dict[str, NoteGraph] = {}
        # Notes an editor holds open: their text comes from the editor (update_text), and
        # scans and file events leave them alone until the editor lets go (release).
        self.held: set[str] = set()
        self.recorder = EventRecorder(root.as_uri())
        # Called once an operation's index writes (and their events) are committed: the
        # session moves the events to the log at once, and says how many it added (a rename's
        # created and deleted events become one).
        self.on_events: Callable[[], Awaitable[int]] | None = None
        # Called when the operation is over, the graph included: subscribers may react now.
        self.on_announce: Callable[[], None] | None = None
        self._scanned = False  # the first scan of a session finds what changed while away
        self._committed = False  # events reached the log that subscribers were not told of

    def configure(self, config: VaultConfig) -> None:
        """Apply new settings; the next scan uses them.

        A new size limit changes how unchanged files are indexed, so the next scan then reads
        every file again (hashes still spare the parsing of all but the affected notes).
        """
        if config.max_note_bytes != self.config.max_note_bytes:
            self._reread_all = True
        self.config = config
        self.rules = IgnoreRules(config.ignore)

    def reread_all(self) -> None:
        """Make the next scan read and hash every file, not only those whose stat changed."""
        self._reread_all = True

    async def start(self, repair: bool = True) -> None:
        """Load the resolver from the index and (unless told not to) repair pending graph work.

        ``vespera doctor`` opens without repairing, so that it reports what it finds.
        """
        for path, aliases in await self.db.resolver_entries():
            self.resolver.add(path, aliases)
        if repair:
            async with self._lock:
                await self._sync_graph(_no_progress)

    async def close(self) -> None:
        """Stop worker processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    @_announcing
    async def scan(self, progress: Progress | None = None) -> IndexReport:
        """Index the whole vault, incrementally against what is stored."""
        progress = progress or _no_progress
        async with self._lock:
            started = time.perf_counter()
            report = IndexReport()
            self._graph_before = {}
            progress("listing", 0, 0)
            stored = await self.db.file_states()
            walked = await asyncio.to_thread(walk_vault, self.root, self.rules)
            reread, self._reread_all = self._reread_all, False
            # Comparing 10k files with their rows takes the event loop 10-30 ms: in a thread,
            # an editor's requests are answered in between.
            gone, to_read = await asyncio.to_thread(
                _plan, walked, stored, frozenset(self.held), reread
            )
            if self._pool is None and _parallel(len(to_read)):
                # Every worker starts now (about 0.15 s each, mostly imports), not one by one as
                # the first chunks arrive. Only for a vault large enough to use them: starting
                # them for every first scan cost a small vault more than its whole scan.
                self._warm_pool()
            report.files = len(walked.files)
            report.unchanged = report.files - len(to_read)
            file_problems: dict[str, list[Problem]] = {}
            for path, problem in walked.problems:
                file_problems.setdefault(path, []).append(problem)
            stale = await self.db.file_problem_paths()
            bulk = not stored and len(to_read) >= _BULK_INDEXES_MIN
            if bulk:
                # The graph is reloaded whole after a first scan; saying so before the first
                # write means an interrupted scan also ends in a full reload.
                await self.db.set_meta("graph_state", "rebuilding")
                await self.db.defer_indexes()
            collector = GraphCollector() if bulk else None
            # The very first index of a vault is its starting point, not a change (and so is
            # the rest of it, should it have been interrupted).
            started_events = await self.db.get_meta(_EVENTS_META) is not None
            origin = Origin(EXTERNAL if self._scanned else CATCH_UP) if started_events else None
            self._scanned = True
            try:
                await self._ingest(
                    to_read,
                    gone,
                    stored,
                    report,
                    progress,
                    file_problems,
                    [p for p in stale if p not in file_problems],
                    refresh_linkers=not bulk,
                    graph=collector,
                    origin=origin,
                )
            except BaseException:
                if bulk:  # this session goes on using the index: it needs its indexes back
                    await self.db.restore_indexes()
                raise
            await self._repair_dangling_links(collector)
            if not started_events:
                await self.db.set_meta(_EVENTS_META, "1")
            elif origin is not None:
                # Notes an editor changed and left unsettled when the sidecar stopped.
                leftover = [p for p in await self.db.unsettled_paths() if p not in self.held]
                settled = IndexReport(events=await self._settle_now(leftover, origin))
                await self._commit_events(settled)
                report.events += settled.events
            if collector is not None:
                # Both cores are free once the notes are stored: SQLite builds its indexes
                # while Kuzu loads the graph in its own thread.
                progress("indexes", 0, 1)
                report.graph = await self._sync_graph(
                    progress, self.db.restore_indexes, collector.rows()
                )
            else:
                report.graph = await self._sync_graph(progress)
            report.problems = await self.db.count("problems")
            report.seconds = time.perf_counter() - started
            return report

    @_announcing
    async def update(self, paths: Iterable[str], actor: str = EXTERNAL) -> IndexReport:
        """Re-index the given vault-relative paths (files or folders) after they changed.

        ``actor`` made the changes: files changed on disk are ``external``, unless an editor
        let go of a note it held (its file stands for it again: the writer's own doing).
        """
        async with self._lock:
            started = time.perf_counter()
            report = IndexReport()
            self._graph_before = {}
            to_read: list[str] = []
            gone: list[str] = []
            found_problems: dict[str, list[Problem]] = {}
            # Only the rows of the paths at hand are read: an edit must not cost a table scan.
            for path in dict.fromkeys(paths):
                if path in self.held:
                    continue  # the editor's text stands for it
                full = self.root / path
                if full.is_dir():
                    if not self.rules.ignored(path, is_dir=True):
                        sub = await asyncio.to_thread(walk_vault, self.root, self.rules, path)
                        to_read.extend(f.path for f in sub.files)
                        for where, problem in sub.problems:
                            found_problems.setdefault(where, []).append(problem)
                elif is_note_path(path) and not self.rules.ignored(path) and full.exists():
                    to_read.append(path)
                else:
                    gone.extend(await self.db.paths_at_or_under(path))
            # A folder and a note inside it often change together (a sync touching both).
            to_read = list(dict.fromkeys(to_read))
            gone = [p for p in dict.fromkeys(gone) if p not in to_read]
            stored = await self.db.file_states([*to_read, *gone])
            report.files = len(to_read)
            await self._ingest(
                to_read,
                gone,
                stored,
                report,
                _no_progress,
                found_problems,
                [],
                origin=Origin(actor),
            )
            report.graph = await self._sync_graph(_no_progress)
            report.seconds = time.perf_counter() - started
            return report

    @_announcing
    async def update_text(
        self, path: str, text: str, parsed: ParsedNote | None = None
    ) -> IndexReport:
        """Index the text an editor holds for ``path`` (which need not exist on disk yet).

        ``parsed`` is that text already parsed, if the caller has it. Otherwise parsing runs in
        a thread: a large buffer must not hold up the event loop.
        """
        async with self._lock:
            started = time.perf_counter()
            report = IndexReport(files=1)
            self._graph_before = {}
            stored = await self.db.file_states([path])
            known = stored[path].content_hash if path in stored else None
            # Stored with a time no file has: should the editor's text never be saved (a crash,
            # an editor quitting without closing), the next scan reads the file again.
            result = await asyncio.to_thread(
                read_text, path, text, known, self.config.max_note_bytes, _EDITOR_MTIME, parsed
            )
            work = _Pass(stored, report, WriteBatch())
            # Its events wait for the text to settle, unless it is an automation's edit coming
            # back through the editor.
            announced = self.recorder.expected(path, result.content_hash, take=False)
            work.origin = Origin(USER) if announced is not None else None
            work.deferred = announced is None
            if result.outcome == "same":
                report.unchanged = 1  # the stat may differ on purpose: the editor's text stands
            else:
                self._take(result, work)
            await self._write(work)
            await self._commit_events(report)
            report.graph = await self._sync_graph(_no_progress)
            report.seconds = time.perf_counter() - started
            return report

    @_announcing
    async def settle(self, paths: Iterable[str]) -> IndexReport:
        """Make the events of editor text that has settled (saved, or left idle)."""
        async with self._lock:
            started = time.perf_counter()
            report = IndexReport()
            report.events = await self._settle_now(list(paths), Origin(USER))
            await self._commit_events(report)
            report.seconds = time.perf_counter() - started
            return report

    async def _settle_now(self, paths: list[str], origin: Origin) -> int:
        if not paths:
            return 0
        batch = WriteBatch()
        made = await self.recorder.settle(self.db, batch, paths, origin)
        if batch:
            await self.db.write(batch)
        return made

    async def _commit_events(self, report: IndexReport) -> None:
        if report.events:
            report.events = await self._move_events()

    async def _move_events(self) -> int:
        """Have the session move the outbox's events to the log; how many it added."""
        if self.on_events is None:
            return 0
        moved = await self.on_events()
        self._committed = self._committed or moved > 0
        return moved

    async def flush_events(self) -> int:
        """Move events a crash left in the outbox to the log, and tell subscribers."""
        async with self._lock:
            moved = await self._move_events()
        self._announce()
        return moved

    def _announce(self) -> None:
        # Subscribers are told once the operation is over, the graph included, so that what
        # they query agrees with the events they receive; also when a later step failed.
        if self._committed:
            self._committed = False
            if self.on_announce is not None:
                self.on_announce()

    async def _ingest(
        self,
        to_read: list[str],
        gone: list[str],
        stored: dict[str, StoredFile],
        report: IndexReport,
        progress: Progress,
        file_problems: dict[str, list[Problem]],
        cleared: list[str],
        refresh_linkers: bool = True,
        graph: GraphCollector | None = None,
        origin: Origin | None = None,
    ) -> None:
        work = _Pass(
            stored,
            report,
            WriteBatch(
                file_problems=file_problems,
                cleared_problems=cleared,
                refresh_linkers=refresh_linkers,
            ),
            graph=graph,
            origin=origin,
        )
        for path in gone:
            if path in stored:
                work.delete(path)
                work.changed_names |= self.resolver.remove(path)
        for path in to_read:
            # Known before parsing, so links written earlier in this scan resolve at once.
            if path not in self.resolver:
                work.changed_names |= self.resolver.add(path)
        done = 0
        progress("indexing", 0, len(to_read))
        async for results in self._read(to_read, stored):
            for result in results:
                self._take(result, work)
            done += len(results)
            progress("indexing", done, len(to_read))
            if len(work.batch.upserts) >= BATCH_NOTES:
                await self._write(work)
                work.batch, work.changed_names = WriteBatch(refresh_linkers=refresh_linkers), set()
        await self._write(work)
        await self._commit_events(report)
        report.deleted = len(work.deleted)
        report.renamed = sorted(
            (old, work.created[digest])
            for old, digest in work.deleted.items()
            if digest in work.created and work.created[digest] not in work.deleted
        )

    def _take(self, result: ReadResult, work: _Pass) -> None:
        path, batch = result.path, work.batch
        if result.outcome == "parsed":
            assert result.rows is not None
            work.changed_names |= self.resolver.add(path, result.rows.aliases)
            record = NoteRecord(result.rows, result.content_hash, result.mtime_ns, result.size, [])
            batch.upserts.append(record)  # storing it clears its earlier problems too
            if path not in work.stored:
                work.created[result.content_hash] = path
            work.report.parsed += 1
        elif result.outcome == "same":
            old = work.stored.get(path)
            # Re-reading every file (after a config change, or on request) finds most of them
            # exactly as stored: those cost no write at all.
            if old is None or (old.mtime_ns, old.size) != (result.mtime_ns, result.size):
                batch.touches.append((path, result.mtime_ns, result.size))
                work.report.touched += 1
            batch.cleared_problems.append(path)
        elif result.outcome == "gone":
            if path in work.stored and path not in work.deleted:
                work.delete(path)
            work.changed_names |= self.resolver.remove(path)
        else:
            assert result.problem is not None
            batch.file_problems.setdefault(path, []).append(result.problem)
            work.report.unreadable += 1
            if path not in work.stored:
                work.changed_names |= self.resolver.remove(path)

    async def _read(
        self, paths: list[str], stored: dict[str, StoredFile]
    ) -> AsyncIterator[list[ReadResult]]:
        items = [(p, s.content_hash if (s := stored.get(p)) else None) for p in paths]
        chunks = [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
        root, limit = str(self.root), self.config.max_note_bytes
        left = set(range(len(chunks)))
        if _parallel(len(items)):
            loop = asyncio.get_running_loop()
            pool = self._worker_pool()

            # At most _IN_FLIGHT chunks are handed out and not yet taken back: enough to keep
            # both workers busy while this process stores a batch, without holding every
            # finished chunk in memory. Completions refill the window, not the consumer.
            finished: asyncio.Queue[tuple[int, asyncio.Future[bytes]]] = asyncio.Queue()
            slots = asyncio.Semaphore(_IN_FLIGHT)

            async def hand_out() -> None:
                for n, chunk in enumerate(chunks):
                    await slots.acquire()
                    try:
                        future = loop.run_in_executor(pool, read_notes_packed, root, chunk, limit)
                    except Exception as exc:  # a broken pool refuses work at once
                        # Whatever the refusal looks like (a worker killed while another was
                        # being started fails with "handle is closed"), the pool is broken.
                        if not isinstance(exc, BrokenProcessPool):
                            exc = BrokenProcessPool(f"the parse workers refused work: {exc}")
                        failed: asyncio.Future[bytes] = loop.create_future()
                        failed.set_exception(exc)
                        _put(finished, n, failed)  # the reader below raises it
                        return
                    future.add_done_callback(partial(_put, finished, n))
                    # One hand-out per turn of the loop: a burst of them held it for 10-17 ms,
                    # long enough to delay an editor's request.
                    await asyncio.sleep(0)

            feeder = asyncio.create_task(hand_out())
            try:
                for _ in range(len(chunks)):
                    n, future = await finished.get()
                    slots.release()
                    results = unpack_results(future.result())
                    left.discard(n)
                    yield results
            except BrokenProcessPool:
                # A worker died (killed, out of memory): finish in this process instead.
                log.warning("A parse worker stopped; reading the remaining notes in-process")
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            finally:
                feeder.cancel()
                await asyncio.gather(feeder, return_exceptions=True)
        for n in sorted(left):
            yield await asyncio.to_thread(read_notes, root, chunks[n], limit)

    def _warm_pool(self) -> None:
        pool = self._worker_pool()
        for _ in range(_workers()):
            pool.submit(os.getpid)  # each submission starts a worker, up to the maximum

    def _worker_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # "spawn": forking a process that runs SQLite and Kuzu threads is not safe.
            self._pool = ProcessPoolExecutor(
                max_workers=_workers(),
                mp_context=get_context("spawn"),
                initializer=start_worker,
                initargs=(os.getpid(),),
            )
        return self._pool

    async def _repair_dangling_links(self, graph: GraphCollector | None) -> None:
        """Resolve again links pointing at notes that were never stored (interrupted scans)."""
        rows = await self.db.dangling_links()
        if rows:
            relinked = [
                (row, self.resolver.resolve(row.target, cast(LinkKind, row.kind), row.source))
                for row in rows
            ]
            await self.db.write(WriteBatch(), relinked)
            if graph is not None:
                for row, res in relinked:
                    graph.relink(row.source, row.field, row.resolved_path, res.path)

    def _resolve(self, work: _Pass) -> None:
        """Resolve the links of the notes in ``work``'s batch.

        Names repeat across a vault (its main characters are linked everywhere), so wikilink
        resolutions are kept for the whole pass, grouped by the name each depends on: those of
        names whose notes or aliases changed since the last batch are dropped first.
        """
        cache = work.resolved
        for name in work.changed_names:
            cache.pop(name, None)
        resolve = self.resolver.resolve
        for record in work.batch.upserts:
            resolutions = []
            for link in record.rows.links:
                target, kind = link[LINK_TARGET], cast(LinkKind, link[LINK_KIND])
                if kind == "markdown" or not target:
                    resolutions.append(resolve(target, kind, record.rows.path))
                    continue
                named = cache.get(link[LINK_NAME])
                if named is None:
                    named = cache[link[LINK_NAME]] = {}
                found = named.get(target)
                if found is None:
                    found = named[target] = resolve(target, kind, "")
                resolutions.append(found)
            record.resolutions = resolutions

    async def _write(self, work: _Pass) -> None:
        batch, changed_names = work.batch, work.changed_names
        self._resolve(work)
        if work.origin is not None:
            after: dict[str, NoteState | None] = {
                r.rows.path: state_of(r.rows, r.content_hash, [x.path for x in r.resolutions])
                for r in batch.upserts
            }
            after.update((p, None) for p in batch.deletions)
            work.report.events += await self.recorder.record(self.db, batch, after, work.origin)
        elif work.deferred:
            for record in batch.upserts:
                await self.recorder.defer(self.db, batch, record.rows.path)
        relinked = []
        if changed_names:
            own = [r.rows.path for r in batch.upserts]
            rows = await self.db.links_named(changed_names, exclude=own)
            relinked = [
                (row, self.resolver.resolve(row.target, cast(LinkKind, row.kind), row.source))
                for row in rows
            ]
        if work.graph is not None:
            for record in batch.upserts:
                work.graph.add(record.rows, [r.path for r in record.resolutions])
            for row, res in relinked:
                work.graph.relink(row.source, row.field, row.resolved_path, res.path)
        if batch or relinked:
            # Linking notes whose resolution did not change keep their graph rows as they are.
            moved = [row.source for row, res in relinked if res.path != row.resolved_path]
            touched = [r.rows.path for r in batch.upserts] + moved
            if len(touched) <= _DIFF_LIMIT:
                await self._remember_graph(touched)
            await self.db.write(batch, relinked)

    async def _remember_graph(self, paths: list[str]) -> None:
        fresh = [p for p in dict.fromkeys(paths) if p not in self._graph_before]
        if not fresh:
            return
        pending = set(await self.db.pending_graph_paths(fresh))
        rows = by_note(await self.db.graph_rows([p for p in fresh if p not in pending]))
        self._graph_before.update(rows)

    async def _sync_graph(
        self,
        progress: Progress,
        alongside: Callable[[], Awaitable[None]] | None = None,
        whole: GraphRows | None = None,
    ) -> str:
        """Bring Kuzu up to date with SQLite; returns how it went.

        "bulk" (reloaded whole), "incremental" (changed notes written), "unchanged" (pending notes
        whose graph rows turned out the same) or "none" (nothing pending).

        ``alongside`` is SQLite work to run while Kuzu loads in bulk (or first, otherwise).
        ``whole`` is the whole graph when the caller already has it (a first scan gathers it).
        """
        pending = await self.db.pending_graph_paths()
        healthy = await self.db.get_meta("graph_state") == f"ok:{GRAPH_SCHEMA_VERSION}"
        if healthy and not pending:
            if alongside is not None:
                await alongside()
            return "none"
        total = await self.db.count("notes")
        if not healthy or len(pending) > _BULK_GRAPH_SHARE * max(total, 1):
            progress("graph", 0, total)
            await self.db.set_meta("graph_state", "rebuilding")
            rows = whole if whole is not None else await self.db.graph_rows()
            load = _graph_work(self.graph.load, rows)
            if alongside is not None:
                await asyncio.gather(load, alongside())
            else:
                await load
            await self.db.clear_graph_pending()
            await self.db.set_meta("graph_state", f"ok:{GRAPH_SCHEMA_VERSION}")
            progress("graph", total, total)
            return "bulk"
        if alongside is not None:
            await alongside()
        stored = await self.db.file_states(pending)
        present = [p for p in pending if p in stored]
        removed = [p for p in pending if p not in stored]
        rows = await self.db.graph_rows(present)
        before, self._graph_before = self._graph_before, {}
        update = await _graph_work(self.graph.apply, removed, rows, before)
        if update.dropped_tags:
            used = await self.db.tags_in_use(update.dropped_tags)
            await _graph_work(self.graph.drop_tags, update.dropped_tags - used)
        await self.db.clear_graph_pending(pending)
        return "incremental" if update.notes or update.dropped_tags else "unchanged"
