"""The event log: queries, replay, retention, and subscribers that receive every event once."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vespera.events.detect import EventMaker, Origin
from vespera.events.log import EventLog, parse_time
from vespera.session import VaultSession
from vespera_protocol.events import EXTERNAL, Event, KeyChange, TagChanged, automation
from vespera_protocol.messages import EventFilter

from .stores import cli_env, write_note

MAKER = EventMaker("file:///vault")
DAY_MS = 86_400_000


def made(subject: str, kind: str = "tag_changed", actor: str = EXTERNAL, **origin: str) -> Event:
    """One event as detection would make it."""
    data = TagChanged(changed=[KeyChange(key="mood", old="calm", new="grim")])
    return MAKER.events(subject, [(kind, data)], Origin(actor, **origin))[0]


def _fields(event: Event) -> dict[str, object]:
    return {f: getattr(event, f) for f in event.__struct_fields__}


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[EventLog]:
    opened = await EventLog.open(tmp_path / "events.sqlite")
    yield opened
    await opened.close()


async def test_append_numbers_from_one_and_skips_events_it_already_has(log: EventLog) -> None:
    first = [made("A.md"), made("B.md")]
    assert [e.sequence for e in await log.append(first)] == [1, 2]
    again = await log.append([first[1], made("C.md")])
    assert [(e.subject, e.sequence) for e in again] == [("C.md", 3)]
    assert await log.head() == 3 and await log.count() == 3


async def test_queries_filter_and_page_by_sequence(log: EventLog) -> None:
    await log.append(
        [made(f"Scenes/S{n}.md") for n in range(5)]
        + [made("Tasks/T.md", "status_changed")]
        + [made("Scenes/S1.md", actor=automation("music"), correlationid="c-1")]
    )
    by_subject = await log.query(EventFilter(subject="Scenes/S1.md"))
    assert [e.sequence for e in by_subject.events] == [2, 7]
    folder = await log.query(EventFilter(subject="Scenes/"))
    assert len(folder.events) == 6
    assert [e.sequence for e in (await log.query(EventFilter(types=["status_*"]))).events] == [6]
    runs = await log.query(EventFilter(actor="automation:*"))
    assert [e.correlationid for e in runs.events] == ["c-1"]
    assert len((await log.query(EventFilter(correlationid="c-1"))).events) == 1

    page = await log.query(limit=3)
    assert [e.sequence for e in page.events] == [1, 2, 3] and page.next == 3
    page = await log.query(after=page.next, limit=3)
    assert [e.sequence for e in page.events] == [4, 5, 6]
    page = await log.query(after=page.next, limit=3)
    assert [e.sequence for e in page.events] == [7] and page.next is None
    newest = await log.query(limit=2, newest_first=True)
    assert [e.sequence for e in newest.events] == [7, 6]
    older = await log.query(before=newest.next, limit=2, newest_first=True)
    assert [e.sequence for e in older.events] == [5, 4]


async def test_time_ranges(log: EventLog) -> None:
    now = parse_time("2026-11-22T12:00:00Z")
    await log.append([_dated("Old.md", now - 10 * DAY_MS), _dated("New.md", now)])
    recent = await log.query(EventFilter(since="2026-11-20"))
    assert [e.subject for e in recent.events] == ["New.md"]
    old = await log.query(EventFilter(until="2026-11-20T00:00:00+00:00"))
    assert [e.subject for e in old.events] == ["Old.md"]
    with pytest.raises(ValueError, match="not a time"):
        await log.query(EventFilter(since="last tuesday"))


def _dated(subject: str, when_ms: int, **kw: str) -> Event:
    event = made(subject, **kw)
    stamp = dt.datetime.fromtimestamp(when_ms / 1000, dt.UTC).isoformat(timespec="milliseconds")
    return Event(**{**_fields(event), "time": stamp.replace("+00:00", "Z")})  # type: ignore[arg-type]


async def test_retention_keeps_recent_events_and_cascades_automation_changed(
    log: EventLog,
) -> None:
    now = parse_time("2026-11-22T12:00:00Z")
    old = now - 100 * DAY_MS
    trigger = _dated("Scenes/S.md", old, correlationid="run-cascade")
    await log.append(
        [
            _dated("Scenes/Forgotten.md", old),
            trigger,
            _dated("Music/M.md", old, actor=automation("music"), correlationid="run-cascade"),
            _dated("Scenes/Kept by hand.md", old, correlationid="pinned"),
            _dated("Scenes/Recent.md", now - DAY_MS),
        ]
    )
    await log.keep("pinned")

    assert await log.compact(90, now_ms=now) == 1
    left = [(e.sequence, e.subject) for e in (await log.query()).events]
    assert left == [
        (2, "Scenes/S.md"),
        (3, "Music/M.md"),
        (4, "Scenes/Kept by hand.md"),
        (5, "Scenes/Recent.md"),
    ]
    assert await log.compact(None, now_ms=now) == 0
    # Sequences go on from the highest ever given, never reusing a dropped one.
    assert [e.sequence for e in await log.append([made("Next.md")])] == [6]


async def test_replay_hands_over_a_range_in_order(session: VaultSession, vault: Path) -> None:
    for n in range(4):
        write_note(vault, f"Scenes/R{n}.md", f"#mood:m{n}\n")
        await session.update([f"Scenes/R{n}.md"])
    seen: list[int] = []

    async def take(event: Event) -> None:
        assert event.sequence is not None
        seen.append(event.sequence)

    head = await session.events.head()
    count = await session.bus.replay(take, EventFilter(types=["note.created"]), after=2)
    later = (await session.events.query(after=2, limit=100)).events
    created = [e.sequence for e in later if e.type == "note.created"]
    assert seen == created and count == len(created) > 0
    assert await session.events.since_time("1970-01-01") == 0
    assert await session.events.since_time("2999-01-01") == head


async def test_a_subscriber_receives_new_events_in_order_once(
    session: VaultSession, vault: Path
) -> None:
    got: list[Event] = []
    arrived = asyncio.Event()

    async def take(event: Event) -> None:
        got.append(event)
        if len(got) >= 2:
            arrived.set()

    await session.bus.subscribe(take, EventFilter(types=["note.created"]))
    for name in ("One", "Two"):
        write_note(vault, f"Scenes/{name}.md", "A new scene. #mood:calm\n")
        await session.update([f"Scenes/{name}.md"])
    await asyncio.wait_for(arrived.wait(), 10)
    assert [(e.type, e.subject) for e in got] == [
        ("note.created", "Scenes/One.md"),
        ("note.created", "Scenes/Two.md"),
    ]


CHILD = """
import asyncio, os, sys
from pathlib import Path
from vespera.events.bus import EventBus
from vespera.events.log import EventLog
from vespera.session import VaultSession

async def crash(*args, **kwargs):
    os._exit(9)

def crash_now(*args, **kwargs):
    os._exit(9)

async def main(vault, state, where):
    if where == "before-log":
        EventLog.append = crash  # the index and its outbox are committed; the log is not
    else:
        EventBus.notify = crash_now  # the log is committed; no subscriber was told
    session = await VaultSession.open(Path(vault), Path(state))
    (Path(vault) / "Scenes/Crash.md").write_text("#mood:grim\\n[[Alice]]\\n", encoding="utf-8")
    await session.update(["Scenes/Crash.md"])
    sys.exit("the crash did not happen")

if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
"""


@pytest.mark.parametrize("where", ["before-log", "before-dispatch"])
async def test_a_crash_between_commit_and_dispatch_delivers_after_restart_exactly_once(
    vault: Path, state_dir: Path, tmp_path: Path, where: str
) -> None:
    async with await VaultSession.open(vault, state_dir) as session:
        await session.index()

        async def nothing(event: Event) -> None:
            return None

        await session.bus.subscribe(nothing, name="audit")  # a durable subscriber, at head 0
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CHILD), encoding="utf-8")
    child = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, str(script), str(vault), str(state_dir), where],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 9, child.stderr

    received: list[Event] = []
    async with await VaultSession.open(vault, state_dir) as session:
        total = await session.events.count()
        assert total > 0  # recovered at open when the crash left them in the outbox
        done = asyncio.Event()

        async def take(event: Event) -> None:
            received.append(event)
            if len(received) == total:
                done.set()

        await session.bus.subscribe(take, name="audit")
        await asyncio.wait_for(done.wait(), 10)
    assert [e.sequence for e in received] == list(range(1, total + 1))
    assert {e.subject for e in received} == {"Scenes/Crash.md"}

    # Started again, the subscriber receives only what is new: nothing is handed out twice.
    again: list[Event] = []
    async with await VaultSession.open(vault, state_dir) as session:
        new = asyncio.Event()

        async def take_again(event: Event) -> None:
            again.append(event)
            new.set()

        await session.bus.subscribe(take_again, name="audit")
        write_note(vault, "Scenes/After.md", "Later.\n")
        await session.update(["Scenes/After.md"])
        await asyncio.wait_for(new.wait(), 10)
        assert await session.events.checkpoint("audit") == await session.events.head()
    assert [e.subject for e in again] == ["Scenes/After.md"]
    assert again[0].sequence == total + 1
