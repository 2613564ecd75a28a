"""Turning a batch of index changes into events, committed with the batch (the outbox).

The indexer calls :meth:`EventRecorder.record` just before it writes a batch: the notes' stored
states are read, compared with their new states, and the events go into the batch, so that the
index and its events commit together. The session then moves them to the event log.

An editor's unsaved text also goes into the index (completions need it), but it makes no events
while the writer types: the note's previous state is kept as its *baseline* instead, and the
events are made when the note settles (saved, or left idle), from the baseline to what the
index holds then. A half-typed tag never becomes an event.

Writes the automation engine is about to make are announced with :meth:`expect`: when the same
content comes back, from the watcher or from the editor, its events carry the run as their
cause.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from vespera.events.detect import EventMaker, Origin, linked_paths, note_changes
from vespera.store.index_db import WriteBatch
from vespera.store.index_queries import IndexQueries
from vespera.store.note_state import NoteState, encode_state
from vespera_protocol.events import AUTOMATION_PREFIX, USER, Event

EXPECT_SECONDS = 120.0
"""How long an announced automation write is waited for."""

_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class _Expected:
    content_hash: str | None  # None: the note is to be deleted
    origin: Origin
    until: float


class EventRecorder:
    """Detects the events of index writes for one vault."""

    def __init__(self, source: str) -> None:
        self.maker = EventMaker(source)
        self._expected: dict[str, list[_Expected]] = {}

    def expect(self, path: str, content_hash: str | None, origin: Origin) -> None:
        """Announce that ``path`` is about to get ``content_hash`` (``None``: be deleted)."""
        entry = _Expected(content_hash, origin, time.monotonic() + EXPECT_SECONDS)
        self._expected.setdefault(path, []).append(entry)

    def expected(self, path: str, content_hash: str | None, take: bool = True) -> Origin | None:
        """The origin announced for this content of ``path``; ``take`` uses the announcement up."""
        waiting = self._expected.get(path)
        if not waiting:
            return None
        now = time.monotonic()
        waiting[:] = [e for e in waiting if e.until > now]
        for n, entry in enumerate(waiting):
            if entry.content_hash == content_hash:
                if not take:
                    return entry.origin
                del waiting[n]
                if not waiting:
                    del self._expected[path]
                return entry.origin
        if not waiting:
            del self._expected[path]
        return None

    async def record(
        self,
        db: IndexQueries,
        batch: WriteBatch,
        after: dict[str, NoteState | None],
        origin: Origin,
    ) -> int:
        """Add to ``batch`` the events of its notes changing to ``after``; returns how many."""
        if not after:
            return 0
        paths = list(after)
        stored = await db.note_states(paths)
        baselines = await db.event_baselines(paths)
        plans: list[tuple[str, NoteState | None, NoteState | None, Origin]] = []
        for path, new in after.items():
            found = self.expected(path, new.content_hash if new is not None else None)
            by = found or origin
            old = stored.get(path)
            if path in baselines:
                batch.settled.append(path)
                if by.actor.startswith(AUTOMATION_PREFIX):
                    # The writer's unsaved edits come first, as theirs; then the run's.
                    plans.append((path, baselines[path], old, Origin(USER)))
                else:
                    old = baselines[path]
            plans.append((path, old, new, by))
        return await self._add(db, batch, plans, after)

    async def defer(self, db: IndexQueries, batch: WriteBatch, path: str) -> None:
        """An editor's text of ``path`` is about to be indexed: keep its baseline if it has none."""
        if (await db.event_baselines([path])).get(path, False) is not False:
            return
        old = (await db.note_states([path])).get(path)
        batch.baselines[path] = None if old is None else encode_state(old)

    async def settle(
        self, db: IndexQueries, batch: WriteBatch, paths: Iterable[str], origin: Origin
    ) -> int:
        """Add to ``batch`` the events of notes whose editor text settled; returns how many."""
        baselines = await db.event_baselines(list(paths))
        if not baselines:
            return 0
        current = await db.note_states(list(baselines))
        batch.settled.extend(baselines)
        plans = [(path, old, current.get(path), origin) for path, old in baselines.items()]
        return await self._add(db, batch, plans, {})

    async def _add(
        self,
        db: IndexQueries,
        batch: WriteBatch,
        plans: list[tuple[str, NoteState | None, NoteState | None, Origin]],
        batch_states: dict[str, NoteState | None],
    ) -> int:
        wanted = {p for _, old, new, _ in plans for p in linked_paths(old, new)}
        types: dict[str, str | None] = {
            p: s.type for p, s in batch_states.items() if p in wanted and s is not None
        }
        types.update(await db.note_types([p for p in wanted if p not in batch_states]))
        events: list[Event] = []
        for path, old, new, by in plans:
            events += self.maker.events(path, note_changes(old, new, types), by)
        batch.events.extend(_encoder.encode(e) for e in events)
        return len(events)
