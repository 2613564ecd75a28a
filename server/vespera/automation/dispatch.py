"""Run modes and debounce: what happens when a rule is started again while it runs.

Starts are keyed by rule and, by default, by the note the event is about (``mode_key``):

- ``single``: a start while a run is under way is dropped;
- ``restart``: the run under way is told to stop (it does, unless it has begun writing, in which
  case the new start waits for it) and the new one starts;
- ``queued``: starts wait and run one after the other, at most ``max`` waiting;
- ``parallel``: up to ``max`` run at once, as many more wait.

When more wait than allowed, ``on_overflow`` drops the newest start or the oldest waiting one.
With ``debounce``, a start waits that long first, and a newer start for the same key replaces
it (the replaced one is recorded as superseded, not as a stop). Every drop is a run the engine
records as stopped, with the rule's mode as the reason.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vespera.automation.limits import Stop

if TYPE_CHECKING:
    from vespera.automation.matcher import Match
    from vespera.automation.rules import Rule
    from vespera_protocol.events import Event
    from vespera_protocol.messages import RunTrace


@dataclass
class RunControl:
    """What a run under way and the dispatcher tell each other."""

    writing: bool = False
    """The run has begun writing: it is not stopped any more."""
    stop: Stop | None = None
    """Set to ask the run to stop at its next safe point (before it writes)."""


@dataclass
class _Start:
    match: Match
    event: Event
    done: asyncio.Future[RunTrace | None]


@dataclass
class _Slot:
    running: dict[asyncio.Task[RunTrace], RunControl] = field(default_factory=dict)
    waiting: deque[_Start] = field(default_factory=deque)
    debounced: _Start | None = None
    timer: asyncio.TimerHandle | None = None

    @property
    def idle(self) -> bool:
        return not self.running and not self.waiting and self.debounced is None


Starter = Callable[["Match", "Event", RunControl], Awaitable["RunTrace"]]
Dropper = Callable[["Match", "Event", Stop], Awaitable["RunTrace"]]
Superseded = Callable[["Match", "Event", "Event"], None]


class Dispatcher:
    """Starts runs as each rule's mode allows."""

    def __init__(self, start: Starter, drop: Dropper, superseded: Superseded) -> None:
        self._start = start
        self._drop = drop
        self._superseded = superseded
        self._slots: dict[tuple[str, str], _Slot] = {}
        self.tasks: set[asyncio.Future[Any]] = set()
        self.closing = False

    def running(self) -> int:
        """How many runs are under way."""
        return sum(len(s.running) for s in self._slots.values())

    def submit(self, match: Match, event: Event) -> asyncio.Future[RunTrace | None]:
        """Start (or queue, or drop) a run of ``match``'s rule for ``event``; the future gives
        its trace (``None`` if a newer start superseded it while debouncing)."""
        rule = match.rule.rule
        assert rule is not None
        start = _Start(match, event, asyncio.get_running_loop().create_future())
        if self.closing:
            start.done.set_result(None)  # the vault is closing: no new runs
            return start.done
        key = (match.rule.id, event.subject if rule.mode_key == "note" else "*")
        slot = self._slots.setdefault(key, _Slot())
        if rule.debounce > 0:
            if slot.debounced is not None:
                older = slot.debounced
                self._superseded(older.match, older.event, event)
                _settle(older.done, None)
            if slot.timer is not None:
                slot.timer.cancel()
            slot.debounced = start
            slot.timer = asyncio.get_running_loop().call_later(
                rule.debounce, self._settled, key, slot
            )
        else:
            self._admit(key, slot, rule, start)
        return start.done

    def _settled(self, key: tuple[str, str], slot: _Slot) -> None:
        start, slot.debounced, slot.timer = slot.debounced, None, None
        if start is None:
            return
        rule = start.match.rule.rule
        assert rule is not None
        self._admit(key, slot, rule, start)

    def _admit(self, key: tuple[str, str], slot: _Slot, rule: Rule, start: _Start) -> None:
        limit = rule.max if rule.mode == "parallel" else 1
        if len(slot.running) < limit:
            self._launch(key, slot, start)
            return
        if rule.mode == "single":
            self._reject(start, "a run of it on this note was still under way (mode: single)")
            return
        if rule.mode == "restart":
            busy = [c for c in slot.running.values() if not c.writing]
            for control in busy:
                control.stop = Stop("mode", "a newer change restarted it (mode: restart)")
            if busy and len(busy) == len(slot.running):
                self._launch(key, slot, start)
                return
            # The run under way is writing: the new start waits for it, in place of any other.
            while slot.waiting:
                self._reject(slot.waiting.popleft(), "a newer change replaced it (mode: restart)")
            slot.waiting.append(start)
            return
        cap = rule.max
        if len(slot.waiting) >= cap:
            if rule.on_overflow == "drop_new":
                self._reject(start, f"{cap} runs were already waiting (mode: {rule.mode})")
                return
            self._reject(
                slot.waiting.popleft(),
                f"{cap} newer runs were waiting, so the oldest was dropped (mode: {rule.mode})",
            )
        slot.waiting.append(start)

    def _launch(self, key: tuple[str, str], slot: _Slot, start: _Start) -> None:
        control = RunControl()
        task = asyncio.ensure_future(self._start(start.match, start.event, control))
        slot.running[task] = control
        self.tasks.add(task)

        def finished(done: asyncio.Task[RunTrace]) -> None:
            self.tasks.discard(done)
            slot.running.pop(done, None)
            try:
                _pass_on(done, start.done)
            finally:
                self._next(key, slot)

        task.add_done_callback(finished)

    def _next(self, key: tuple[str, str], slot: _Slot) -> None:
        while slot.waiting and self.closing:
            _settle(slot.waiting.popleft().done, None)
        while slot.waiting:
            rule = slot.waiting[0].match.rule.rule
            assert rule is not None
            limit = rule.max if rule.mode == "parallel" else 1
            if len(slot.running) >= limit:
                return
            self._launch(key, slot, slot.waiting.popleft())
        if slot.idle:
            self._slots.pop(key, None)

    def _reject(self, start: _Start, reason: str) -> None:
        task = asyncio.ensure_future(self._drop(start.match, start.event, Stop("mode", reason)))
        self.tasks.add(task)

        def finished(done: asyncio.Future[RunTrace]) -> None:
            self.tasks.discard(done)
            _pass_on(done, start.done)

        task.add_done_callback(finished)

    def close(self) -> None:
        """Take no more starts; drop those waiting (for a run, or for their debounce). Runs
        under way go on to their end."""
        self.closing = True
        for slot in self._slots.values():
            if slot.timer is not None:
                slot.timer.cancel()
            if slot.debounced is not None:
                _settle(slot.debounced.done, None)
            while slot.waiting:
                _settle(slot.waiting.popleft().done, None)
            slot.timer = slot.debounced = None


def _settle(future: asyncio.Future[RunTrace | None], value: RunTrace | None) -> None:
    if not future.done():
        future.set_result(value)


def _pass_on(done: asyncio.Future[RunTrace], future: asyncio.Future[RunTrace | None]) -> None:
    """Give ``future`` the outcome of ``done`` (unless whoever waited on it gave up)."""
    if future.done():
        return
    if done.cancelled():
        future.cancel()
    elif (error := done.exception()) is not None:
        future.set_exception(error)
    else:
        future.set_result(done.result())
