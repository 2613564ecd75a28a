"""One open vault: its configuration, state lock, stores and indexer, behind a narrow interface.

Everything that touches a vault's stores goes through a :class:`VaultSession`, so that a later
version can let the first process of a vault own it while other editors attach to that one.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from types import TracebackType

import msgspec

from vespera.events.bus import EventBus
from vespera.events.detect import Origin, merge_renames
from vespera.events.log import EVENTS_FILE, EventLog
from vespera.index.indexer import Indexer, IndexReport, Progress
from vespera.index.reader import content_hash
from vespera.store.graph import GraphStore, GraphUnavailableError, reset_graph
from vespera.store.index_db import IndexDatabase
from vespera.store.state import StateLock, state_dir_for
from vespera.vault.config import CONFIG_FILE, VaultConfig, load_config
from vespera_protocol.events import EXTERNAL, Event

log = logging.getLogger(__name__)

INDEX_FILE = "index.sqlite"
GRAPH_DIR = "graph.kuzu"


class VaultError(RuntimeError):
    """The vault cannot be opened (not a folder, or its state belongs to another vault)."""


def _open_graph(path: Path) -> tuple[GraphStore, bool]:
    """Open the graph, recreating it if it is damaged (it is rebuilt from SQLite)."""
    try:
        return GraphStore(path), False
    except GraphUnavailableError as exc:
        log.warning("%s; rebuilding the graph from the index", exc)
        reset_graph(path)
        return GraphStore(path), True


def _vault_root(vault: Path) -> Path:
    root = vault.expanduser().resolve()
    if not root.is_dir():
        raise VaultError(f"{vault} is not a folder; a vault is a folder of markdown notes.")
    return root


_event_decoder = msgspec.json.Decoder(Event)


async def _flush_outbox(db: IndexDatabase, events: EventLog) -> list[Event]:
    """Move the events the index committed into the event log; returns them, numbered.

    Appending skips events the log already has, so a crash between the two commits costs
    nothing: the next flush finds the same events in the outbox and adds none twice.
    """
    waiting = await db.take_outbox()
    if not waiting:
        return []
    found = [_event_decoder.decode(body) for _, body in waiting]
    # Renames are paired among the new events only: should the outbox not have been cleared
    # after an earlier move, a created note logged then must not pair with a new deletion.
    committed = await events.append(found, arrange=merge_renames)
    await db.clear_outbox(waiting[-1][0])
    return committed


async def _rescue_outbox(folder: Path) -> None:
    """Before the index is deleted, keep the events it still holds for the log."""
    if not (folder / INDEX_FILE).exists():
        return
    db = await IndexDatabase.open(folder / INDEX_FILE)
    try:
        events = await EventLog.open(folder / EVENTS_FILE)
        try:
            await _flush_outbox(db, events)
        finally:
            await events.close()
    finally:
        await db.close()


def _delete_stores(folder: Path) -> None:
    for name in (INDEX_FILE, f"{INDEX_FILE}-wal", f"{INDEX_FILE}-shm"):
        (folder / name).unlink(missing_ok=True)
    reset_graph(folder / GRAPH_DIR)


class VaultSession:
    """An open vault. Use ``async with await VaultSession.open(path) as session``."""

    def __init__(
        self,
        root: Path,
        state_dir: Path,
        lock: StateLock,
        config: VaultConfig,
        db: IndexDatabase,
        graph: GraphStore,
        events: EventLog,
    ) -> None:
        self.root = root
        self.state_dir = state_dir
        self.config = config
        self.db = db
        self.graph = graph
        self.events = events
        self.bus = EventBus(events)
        self.indexer = Indexer(root, db, graph, config)
        self.indexer.on_events = self._commit_events
        self.indexer.on_announce = self.bus.notify
        self._lock = lock
        self._closed = False

    @classmethod
    async def open(
        cls,
        vault: Path,
        state_dir: Path | None = None,
        rebuild: bool = False,
        repair: bool = True,
    ) -> VaultSession:
        """Lock the vault's state folder, open its stores and repair unfinished work.

        ``rebuild`` deletes the index and graph first, so the next scan builds them anew;
        ``repair=False`` leaves unfinished work as it is (for ``vespera doctor`` to report).
        """
        root = await asyncio.to_thread(_vault_root, vault)
        folder = state_dir_for(root, state_dir)
        lock = StateLock(folder, root)
        lock.acquire()
        db: IndexDatabase | None = None
        graph: GraphStore | None = None
        events: EventLog | None = None
        try:
            if rebuild:
                await _rescue_outbox(folder)
                _delete_stores(folder)
            events = await EventLog.open(folder / EVENTS_FILE)
            db = await IndexDatabase.open(folder / INDEX_FILE)
            owner = await db.get_meta("vault")
            if owner is None:
                await db.set_meta("vault", str(root))
            elif owner != str(root):
                raise VaultError(
                    f"The state folder {folder} holds the index of {owner}, not of {root}; "
                    "choose another --state-dir."
                )
            opened, recreated = await asyncio.to_thread(_open_graph, folder / GRAPH_DIR)
            graph = opened
            # A damaged graph was recreated empty, or the graph folder was deleted: either way
            # the notes the index holds must be loaded again.
            empty = await asyncio.to_thread(opened.is_empty)
            if recreated or (empty and await db.count("notes") > 0):
                await db.set_meta("graph_state", "rebuilding")
            config, problems = load_config(root)
            await db.replace_config_problems(CONFIG_FILE, problems)
            session = cls(root, folder, lock, config, db, opened, events)
            await session.indexer.start(repair)
            if repair:
                # Events a crash left between the index and the log.
                await session.publish()
                await session.compact_events()
            return session
        except BaseException:
            if graph is not None:
                graph.close()
            if db is not None:
                await db.close()
            if events is not None:
                await events.close()
            lock.release()
            raise

    async def __aenter__(self) -> VaultSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def index(self, progress: Progress | None = None) -> IndexReport:
        """Scan the whole vault."""
        return await self.indexer.scan(progress)

    async def update(self, paths: list[str], actor: str = EXTERNAL) -> IndexReport:
        """Re-index changed vault-relative paths; a changed config triggers a full scan."""
        if CONFIG_FILE in paths:
            await self.reload_config()
            return await self.indexer.scan()
        return await self.indexer.update(paths, actor)

    async def settle(self, paths: list[str]) -> IndexReport:
        """Make the events of editor text that settled (saved, or idle long enough)."""
        return await self.indexer.settle(paths)

    async def publish(self) -> int:
        """Move events a crash left in the index's outbox to the log; returns how many.

        Indexing moves its own events as it commits them; this is for what an interrupted
        process left behind. It waits for any indexing under way.
        """
        return await self.indexer.flush_events()

    async def _commit_events(self) -> int:
        """Move the outbox's events to the log (the indexer calls it, holding its lock)."""
        return len(await _flush_outbox(self.db, self.events))

    async def compact_events(self) -> int:
        """Apply the vault's retention to the event log; returns how many events it dropped."""
        dropped = await self.events.compact(self.config.event_retention_days)
        if dropped:
            log.info(
                "Dropped %d events older than %s days", dropped, self.config.event_retention_days
            )
        return dropped

    def expect_write(self, path: str, content: str | bytes | None, origin: Origin) -> None:
        """Announce a write the automation engine is about to make (``None``: a deletion).

        When that content comes back (from the watcher, or the editor after an edit was
        applied there) its events carry ``origin``: the rule as actor, the run as cause.
        """
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogatepass")
        digest = None if content is None else content_hash(content)
        self.indexer.recorder.expect(path, digest, origin)

    async def reload_config(self) -> None:
        """Read ``.vespera/config.yaml`` again and apply it to the indexer."""
        config, problems = load_config(self.root)
        await self.db.replace_config_problems(CONFIG_FILE, problems)
        self.config = config
        self.indexer.configure(config)

    async def close(self) -> None:
        """Close the stores and release the lock; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            await self.bus.close()
            await self.indexer.close()
            await asyncio.to_thread(self.graph.close)
            await self.db.close()
            await self.events.close()
        finally:
            self._lock.release()
