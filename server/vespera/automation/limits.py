"""Limits on how often rules run: rate limits per rule and per rule and note, and a circuit
breaker per rule.

A rate limit counts the runs started in a sliding window; the run past it is stopped. The
breaker counts a rule's failures in a row: at its threshold it opens and the rule's runs are
stopped; after its cool-down it is half-open and lets one run through, whose success closes it
and whose failure opens it again. Each stop says why in words the writer understands.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from vespera.automation.rules import Rule

StopKind = Literal["loop", "rate", "breaker", "mode"]
"""Why a run was stopped: loop safety, a rate limit, an open breaker, or the rule's run mode."""

BreakerState = Literal["closed", "open", "half-open"]

_REMEMBERED_NOTES = 10_000
"""How many (rule, note) windows are kept (the oldest are forgotten first)."""


@dataclass
class Stop:
    """A run that may not start, and why."""

    kind: StopKind
    reason: str


@dataclass
class Breaker:
    """One rule's circuit breaker."""

    failures: int = 0
    """Failed runs in a row."""
    opened_at: float | None = None
    trial: bool = False
    """Half-open and its one trial run is under way."""

    def state(self, now: float, cooldown: float) -> BreakerState:
        if self.opened_at is None:
            return "closed"
        return "open" if now - self.opened_at < cooldown else "half-open"


def _per(seconds: float) -> str:
    if seconds == 60:
        return "minute"
    if seconds % 60 == 0:
        return f"{int(seconds // 60)} minutes"
    return f"{seconds:g} seconds"


class Limits:
    """The rate windows and breakers of one vault's rules (in memory: they protect a session)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._rule_runs: dict[str, deque[float]] = {}
        self._note_runs: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self.breakers: dict[str, Breaker] = {}

    def check(self, rule_id: str, rule: Rule, subject: str) -> Stop | None:
        """Whether a run of ``rule`` on ``subject`` may start now.

        A run counts against the rate limits once it ran (:meth:`count`): a run its mode stops
        before it does anything (a restart) takes nothing from them.
        """
        now = self.clock()
        breaker = self.breakers.get(rule_id)
        if breaker is not None:
            state = breaker.state(now, rule.breaker.cooldown)
            if state == "open":
                assert breaker.opened_at is not None
                left = rule.breaker.cooldown - (now - breaker.opened_at)
                return Stop(
                    "breaker",
                    f"it failed {breaker.failures} times in a row, so it is paused; it will be "
                    f"tried again in {left:.0f} s",
                )
            if state == "half-open":
                if breaker.trial:
                    return Stop("breaker", "it is paused after failing; one run is trying it again")
                breaker.trial = True
        both = (
            (rule.rate_limit, self._rule_runs.get(rule_id), "in all"),
            (rule.note_rate_limit, self._note_runs.get((rule_id, subject)), f"on {subject}"),
        )
        for limit, runs, where in both:
            if not runs:
                continue
            while runs and now - runs[0] >= limit.per:
                runs.popleft()
            if len(runs) >= limit.runs:
                if breaker is not None and breaker.trial:
                    breaker.trial = False
                return Stop(
                    "rate",
                    f"it already ran {limit.runs} times {where} in the last {_per(limit.per)}, "
                    "its limit",
                )
        return None

    def count(self, rule_id: str, subject: str) -> None:
        """Count a run of ``rule_id`` on ``subject`` against the rate limits."""
        now = self.clock()
        self._rule_runs.setdefault(rule_id, deque()).append(now)
        key = (rule_id, subject)
        window = self._note_runs.pop(key, None) or deque()
        window.append(now)
        self._note_runs[key] = window  # the most recently used last
        while len(self._note_runs) > _REMEMBERED_NOTES:
            self._note_runs.popitem(last=False)

    def finished(self, rule_id: str, rule: Rule, failed: bool | None) -> bool:
        """Count a run's result (``None``: it neither failed nor did anything, as a skipped
        run); whether this failure opened the rule's breaker."""
        breaker = self.breakers.setdefault(rule_id, Breaker())
        trial, breaker.trial = breaker.trial, False
        if failed is None:
            return False
        if not failed:
            breaker.failures, breaker.opened_at = 0, None
            return False
        breaker.failures += 1
        if trial or breaker.failures >= rule.breaker.failures:
            breaker.opened_at = self.clock()
            return True
        return False

    def state(self, rule_id: str, rule: Rule) -> BreakerState:
        """The rule's breaker as it stands."""
        breaker = self.breakers.get(rule_id)
        return "closed" if breaker is None else breaker.state(self.clock(), rule.breaker.cooldown)

    def reset(self, rule_id: str) -> None:
        """Forget a rule's failures (it was edited or switched on again)."""
        self.breakers.pop(rule_id, None)
