"""Loop safety: rules that react to their own or each other's changes stop, and say why."""

from __future__ import annotations

from vespera_protocol.events import Event
from vespera_protocol.messages import RunTrace

from .vault import ROAD, Vault


async def cascade(v: Vault, first: Event, limit: int = 200) -> list[RunTrace]:
    """Hand the engine ``first`` and then every event its runs make, until none are left."""
    waiting = [first]
    traces: list[RunTrace] = []
    while waiting and len(traces) < limit:
        event = waiting.pop(0)
        head = await v.session.events.head()
        traces += await v.engine.handle(event)
        waiting += await v.events(head)
    assert len(traces) < limit, "the cascade did not stop"
    return traces


async def tag(v: Vault, name: str) -> Event:
    """Add a tag to the road scene as a writer would; its ``tag_changed`` event."""
    events = await v.change(ROAD, "tags: [", f"tags: [{name}, ")
    return next(e for e in events if e.type == "tag_changed")


SELF_FEEDING = """
id: grow
name: Grow
{options}
trigger: {{event: tag_changed, tags: "n*"}}
actions:
  - type: add_tags
    tags: ["n${{ trigger.tag[1:] | int + 1 if trigger.tag[1:] else 1 }}"]
"""


async def test_a_rule_ignores_its_own_changes_unless_it_opts_in(v: Vault) -> None:
    v.rules(SELF_FEEDING.format(options=""))
    first = await tag(v, "n")
    traces = await cascade(v, first)
    assert [t.outcome for t in traces] == ["succeeded"]
    assert "n1" in v.fields(ROAD)["tags"] and "n2" not in v.fields(ROAD)["tags"]


async def test_a_self_feeding_rule_stops_at_its_depth_limit(v: Vault) -> None:
    options = "react_to_own_changes: true\nrepeat_in_cascade: true\nmax_depth: 5"
    v.rules(SELF_FEEDING.format(options=options))
    first = next(
        e for e in await v.change(ROAD, "tags: [", "tags: [n, ") if e.type == "tag_changed"
    )
    traces = await cascade(v, first)
    assert [t.outcome for t in traces] == ["succeeded"] * 5 + ["stopped"]
    assert [t.depth for t in traces] == [1, 2, 3, 4, 5, 6]
    stop = traces[-1]
    assert stop.error is not None and "past this rule's limit of 5" in stop.error
    assert stop.writes == []  # stopped before it ran
    assert "n5" in v.fields(ROAD)["tags"] and "n6" not in v.fields(ROAD)["tags"]


PING_PONG = """
- id: ping
  name: Ping
  trigger: {event: tag_changed, tags: ping}
  actions:
    - {type: remove_tags, tags: [ping]}
    - {type: add_tags, tags: [pong]}
- id: pong
  name: Pong
  trigger: {event: tag_changed, tags: pong}
  actions:
    - {type: remove_tags, tags: [pong]}
    - {type: add_tags, tags: [ping]}
"""


async def test_two_rules_playing_ping_pong_stop_on_the_second_round(v: Vault) -> None:
    v.rules(PING_PONG)
    first = await tag(v, "ping")
    traces = await cascade(v, first)
    assert [(t.rule, t.outcome) for t in traces] == [
        ("ping", "succeeded"),
        ("pong", "succeeded"),
        ("ping", "stopped"),
    ]
    assert traces[-1].error is not None and "already ran on" in traces[-1].error
    assert {t.event.correlationid for t in traces} == {first.correlationid}


async def test_an_event_is_handled_once(v: Vault) -> None:
    v.rules(SELF_FEEDING.format(options=""))
    first = next(
        e for e in await v.change(ROAD, "tags: [", "tags: [n, ") if e.type == "tag_changed"
    )
    assert len(await v.engine.handle(first)) == 1
    assert await v.engine.handle(first) == []
