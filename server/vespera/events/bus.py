"""Handing committed events to subscribers, in log order, each once.

Subscribers never receive events from memory: each one reads the log after its own position,
so an event reaches anyone only once it is committed, a slow subscriber holds up no one, and a
subscriber that was down starts where it stopped. A *durable* subscriber (one with a name)
keeps its position in the log's ``checkpoints`` table, written after each event it handled: a
subscriber that was down, or a process that crashed between committing events and handing
them out, receives what was missed after a restart, in order, once. (A crash while a handler
runs hands that one event out again: the handler's own effects are not part of the log's
transaction.)
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from vespera.events.log import EventLog
from vespera_protocol.events import Event
from vespera_protocol.messages import EventFilter

log = logging.getLogger(__name__)

Handler = Callable[[Event], Awaitable[None]]
_PAGE = 500
_RETRY_SECONDS = 1.0
_ids = itertools.count(1)


@dataclass(eq=False)
class Subscription:
    """One subscriber: its filter, its position in the log, and the task that feeds it."""

    id: str
    handler: Handler
    filter: EventFilter
    position: int
    name: str | None = None
    """Durable subscribers have a name, and their position is kept in the log."""
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None


class EventBus:
    """The subscribers of one vault's log."""

    def __init__(self, events: EventLog) -> None:
        self.log = events
        self._subscriptions: dict[str, Subscription] = {}
        self._closed = False

    async def subscribe(
        self,
        handler: Handler,
        spec: EventFilter | None = None,
        name: str | None = None,
        after: int | None = None,
    ) -> Subscription:
        """Feed ``handler`` the events matching ``spec``.

        A named (durable) subscriber resumes after its checkpoint; the first time, it starts
        after ``after`` or at the log's head. An unnamed one starts after ``after``, or with
        the next new event.
        """
        if self._closed:
            raise RuntimeError("the event bus is closed")
        position = await self.log.checkpoint(name) if name is not None else None
        if position is None:
            position = after if after is not None else await self.log.head()
            if name is not None:
                await self.log.set_checkpoint(name, position)
        sub = Subscription(f"s{next(_ids)}", handler, spec or EventFilter(), position, name)
        self._subscriptions[sub.id] = sub
        sub._task = asyncio.create_task(self._feed(sub), name=f"events:{name or sub.id}")
        return sub

    async def unsubscribe(self, subscription_id: str) -> bool:
        """Stop a subscription; whether it existed."""
        sub = self._subscriptions.pop(subscription_id, None)
        if sub is None:
            return False
        await _stop(sub)
        return True

    def notify(self) -> None:
        """New events were committed: wake every subscriber."""
        for sub in self._subscriptions.values():
            sub._wake.set()

    async def close(self) -> None:
        """Stop every subscription (their positions are already saved)."""
        self._closed = True
        subs, self._subscriptions = list(self._subscriptions.values()), {}
        for sub in subs:
            await _stop(sub)

    async def replay(
        self,
        handler: Handler,
        spec: EventFilter | None = None,
        after: int = 0,
        until: int | None = None,
    ) -> int:
        """Hand ``handler`` the matching events after ``after`` (up to ``until``), in order.

        For looking back (a rule's dry-run over last week, rebuilding a view): no checkpoint
        is kept. Returns how many events were handed over.
        """
        count = 0
        position = after
        last = until if until is not None else await self.log.head()
        while position < last:
            page = await self.log.query(spec, after=position, before=last + 1, limit=_PAGE)
            for event in page.events:
                await handler(event)
                count += 1
            if page.next is None:
                break
            position = page.next
        return count

    async def _feed(self, sub: Subscription) -> None:
        while True:
            sub._wake.clear()  # before reading: an event committed meanwhile wakes us again
            try:
                page = await self.log.query(sub.filter, after=sub.position, limit=_PAGE)
            except Exception:
                # The log could not be read (the disk, a lock): try again shortly, not never.
                log.exception("Reading the event log for a subscriber failed; retrying")
                await asyncio.sleep(_RETRY_SECONDS)
                continue
            for event in page.events:
                assert event.sequence is not None
                try:
                    await sub.handler(event)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # One failing event must not stop the subscriber for good.
                    log.exception(
                        "A subscriber failed on event %s (%s)", event.sequence, event.type
                    )
                sub.position = event.sequence
                if sub.name is not None:
                    await self.log.set_checkpoint(sub.name, sub.position)
            if page.next is None:
                await sub._wake.wait()


async def _stop(sub: Subscription) -> None:
    if sub._task is not None:
        sub._task.cancel()
        await asyncio.gather(sub._task, return_exceptions=True)
