"""Run modes under bursts, rate limits, the circuit breaker and debounce, with the real engine.

A burst is several starts of one rule on one note while its first run is under way: the test
holds the engine's planning lock while it hands the events over, so the first run is
certainly still planning when the others arrive.
"""

from __future__ import annotations

import asyncio

import msgspec

from vespera.automation.rules import Rule
from vespera.events.ids import new_id
from vespera_protocol.events import Event
from vespera_protocol.messages import RunTrace

from .vault import ROAD, STORM, Vault, rule

NOTIFY = "- {type: notify, message: 'hi ${trigger.id}'}"


def again(event: Event, subject: str | None = None) -> Event:
    """The same change made again by the writer: a new event starting its own cascade."""
    fresh = new_id()
    return msgspec.structs.replace(
        event, id=fresh, correlationid=fresh, subject=subject or event.subject
    )


async def burst(v: Vault, events: list[Event]) -> list[RunTrace | None]:
    """Hand ``events`` over while the first run cannot get past planning; their traces."""
    async with v.engine.planning:
        futures = [f for e in events for f in await v.engine.admit(e)]
    return list(await asyncio.gather(*futures))


def outcomes(traces: list[RunTrace | None]) -> list[str | None]:
    return [None if t is None else t.outcome for t in traces]


async def five(v: Vault, extra: str) -> tuple[list[Event], list[RunTrace | None]]:
    v.rules(rule(NOTIFY) + extra)
    first = await v.tag_go()
    events = [first, *(again(first) for _ in range(4))]
    return events, await burst(v, events)


async def test_single_mode_drops_starts_while_a_run_is_under_way(v: Vault) -> None:
    _, traces = await five(v, "mode: single\n")
    assert outcomes(traces) == ["succeeded"] + ["stopped"] * 4
    stopped = traces[1]
    assert stopped is not None and stopped.stop == "mode"
    assert stopped.error == "a run of it on this note was still under way (mode: single)"


async def test_queued_mode_runs_in_order_and_drops_the_newest_past_max(v: Vault) -> None:
    events, traces = await five(v, "mode: queued\nmax: 2\n")
    assert outcomes(traces) == ["succeeded", "succeeded", "succeeded", "stopped", "stopped"]
    ran = [t for t in traces if t is not None and t.outcome == "succeeded"]
    assert [t.event.id for t in ran] == [e.id for e in events[:3]]
    assert [t.started for t in ran] == sorted(t.started for t in ran)
    assert traces[3] is not None and traces[3].error == "2 runs were already waiting (mode: queued)"


async def test_queued_mode_can_drop_the_oldest_waiting_start_instead(v: Vault) -> None:
    _, traces = await five(v, "mode: queued\nmax: 2\non_overflow: drop_oldest\n")
    assert outcomes(traces) == ["succeeded", "stopped", "stopped", "succeeded", "succeeded"]


async def test_restart_mode_stops_the_run_under_way_for_the_newest(v: Vault) -> None:
    _, traces = await five(v, "mode: restart\n")
    assert outcomes(traces) == ["stopped"] * 4 + ["succeeded"]
    assert traces[0] is not None
    assert traces[0].error == "a newer change restarted it (mode: restart)"


async def test_parallel_mode_runs_up_to_max_at_once_and_queues_the_rest(v: Vault) -> None:
    v.rules(rule(NOTIFY) + "mode: parallel\nmax: 2\n")
    first = await v.tag_go()
    async with v.engine.planning:
        futures = [
            f for e in [first, *(again(first) for _ in range(3))] for f in await v.engine.admit(e)
        ]
        assert v.engine.dispatch.running() == 2
    assert outcomes(list(await asyncio.gather(*futures))) == ["succeeded"] * 4


async def test_modes_count_runs_per_note_by_default_or_per_rule(v: Vault) -> None:
    v.rules(rule(NOTIFY) + "mode: single\n")
    first = await v.tag_go()
    assert outcomes(await burst(v, [first, again(first, STORM)])) == ["succeeded", "succeeded"]
    v.rules(rule(NOTIFY) + "mode: single\nmode_key: rule\n")
    assert outcomes(await burst(v, [again(first), again(first, STORM)])) == [
        "succeeded",
        "stopped",
    ]


async def test_a_rate_limit_per_note_stops_the_run_past_it(v: Vault) -> None:
    v.rules(rule(NOTIFY) + "note_rate_limit: {runs: 2, per: 60}\n")
    first = await v.tag_go()
    traces = [t for e in [first, again(first), again(first)] for t in await v.engine.handle(e)]
    assert outcomes(list(traces)) == ["succeeded", "succeeded", "stopped"]
    assert traces[2].stop == "rate"
    assert traces[2].error == f"it already ran 2 times on {ROAD} in the last minute, its limit"
    # Another note has its own window; the rule's own limit counts them all.
    (other,) = await v.engine.handle(again(first, STORM))
    assert other.outcome == "succeeded"


async def test_a_rule_that_keeps_failing_is_paused_then_tried_again(v: Vault) -> None:
    v.rules(
        rule("- {type: set_field, note: Nobody, field: x, value: 1}")
        + "breaker: {failures: 2, cooldown: 0.3}\nnote_rate_limit: {runs: 50}\n"
    )
    told: list[RunTrace] = []

    async def listen(trace: RunTrace) -> None:
        told.append(trace)

    v.engine.listeners.append(listen)
    first = await v.tag_go()

    async def one() -> RunTrace:
        (trace,) = await v.engine.handle(again(first))
        return trace

    failed, opened = await one(), await one()
    assert (failed.outcome, opened.outcome) == ("failed", "failed")
    assert [m.message for m in opened.messages] == [
        "The rule 'Test rule' failed 2 times in a row; it is paused for 0.3 s."
    ]
    paused, still = await one(), await one()
    assert (paused.outcome, paused.stop) == ("stopped", "breaker")
    assert paused.error is not None and paused.error.startswith("it failed 2 times in a row")
    assert v.engine.limits.state("t", opened_rule(v)) == "open"
    # The editor hears of the pause once, not of every start it stops.
    assert [t.run for t in told if t.outcome == "stopped"] == [paused.run]
    assert still.outcome == "stopped"

    await asyncio.sleep(0.35)
    assert v.engine.limits.state("t", opened_rule(v)) == "half-open"
    trial = await one()
    assert trial.outcome == "failed"  # the one run let through failed: paused again
    assert (await one()).stop == "breaker"


def opened_rule(v: Vault) -> Rule:
    (loaded,) = [r for r in v.engine.rules() if r.id == "t"]
    assert loaded.rule is not None
    return loaded.rule


async def test_debounce_runs_once_for_the_last_of_a_burst(v: Vault) -> None:
    v.rules(rule(NOTIFY) + "debounce: 0.1\n")
    first = await v.tag_go()
    events = [first, again(first), again(first)]
    futures = [f for e in events for f in await v.engine.admit(e)]
    traces = list(await asyncio.gather(*futures))
    assert outcomes(traces) == [None, None, "succeeded"]
    assert traces[2] is not None and traces[2].event.id == events[2].id


async def test_a_long_restart_burst_still_runs_its_last_start(v: Vault) -> None:
    # Runs a restart stopped before they did anything do not count against the rate limit.
    v.rules(rule(NOTIFY) + "mode: restart\n")
    first = await v.tag_go()
    traces = await burst(v, [first, *(again(first) for _ in range(29))])
    assert outcomes(traces) == ["stopped"] * 29 + ["succeeded"]


async def test_closing_drops_the_starts_still_waiting_and_lets_the_run_finish(v: Vault) -> None:
    v.rules(rule(NOTIFY) + "mode: queued\n")
    first = await v.tag_go()
    async with v.engine.planning:
        futures = [f for e in [first, again(first), again(first)] for f in await v.engine.admit(e)]
        closing = asyncio.ensure_future(v.engine.close())
        await asyncio.sleep(0.01)
    await closing
    assert outcomes(list(await asyncio.gather(*futures))) == ["succeeded", None, None]
    assert await v.engine.admit(again(first)) == []  # closed: nothing more starts
