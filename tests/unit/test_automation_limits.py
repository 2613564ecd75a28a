"""Rate windows and the circuit breaker, on a clock the test moves."""

from __future__ import annotations

from vespera.automation.limits import Limits
from vespera.automation.rules import Rule

RULE = Rule.model_validate(
    {
        "name": "r",
        "trigger": {"event": "tag_changed"},
        "actions": [{"type": "notify", "message": "hi"}],
        "rate_limit": {"runs": 3, "per": 10},
        "note_rate_limit": {"runs": 2, "per": 10},
        "breaker": {"failures": 2, "cooldown": 30},
    }
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ran(limits: Limits, subject: str) -> None:
    assert limits.check("r", RULE, subject) is None
    limits.count("r", subject)


def test_rate_windows_slide_per_note_and_per_rule() -> None:
    clock = Clock()
    limits = Limits(clock)
    ran(limits, "a.md")
    ran(limits, "a.md")
    stop = limits.check("r", RULE, "a.md")
    assert stop is not None and stop.kind == "rate" and "on a.md" in stop.reason
    ran(limits, "b.md")  # the rule's third run
    stop = limits.check("r", RULE, "c.md")
    assert stop is not None and "in all in the last 10 seconds" in stop.reason
    clock.now += 10
    assert limits.check("r", RULE, "a.md") is None  # the window moved on


def test_the_breaker_opens_lets_one_trial_through_and_closes_on_success() -> None:
    clock = Clock()
    limits = Limits(clock)
    assert limits.finished("r", RULE, True) is False
    assert limits.finished("r", RULE, True) is True
    assert limits.state("r", RULE) == "open"
    stop = limits.check("r", RULE, "a.md")
    assert stop is not None and stop.kind == "breaker" and "in 30 s" in stop.reason
    clock.now += 30
    assert limits.state("r", RULE) == "half-open"
    assert limits.check("r", RULE, "a.md") is None  # the trial
    busy = limits.check("r", RULE, "b.md")
    assert busy is not None and "one run is trying it again" in busy.reason
    assert limits.finished("r", RULE, False) is False
    assert limits.state("r", RULE) == "closed"
    assert limits.check("r", RULE, "b.md") is None


def test_a_trial_run_stopped_before_it_ran_lets_the_next_one_try() -> None:
    clock = Clock()
    limits = Limits(clock)
    assert limits.finished("r", RULE, True) is False
    assert limits.finished("r", RULE, True) is True
    clock.now += 30
    assert limits.check("r", RULE, "a.md") is None  # the trial...
    limits.finished("r", RULE, None)  # ...stopped by its mode before it did anything
    assert limits.state("r", RULE) == "half-open"
    assert limits.check("r", RULE, "b.md") is None  # another start may try
    limits.reset("r")
    assert limits.state("r", RULE) == "closed"
