"""``vespera events tail|query|replay``: reading a vault's event log from a terminal or a script.

The log is opened read-only and without the vault's lock, so these commands work while an
editor's sidecar owns the vault (SQLite's WAL mode lets readers and the writer go on together).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

import msgspec

from vespera.cli import render
from vespera.events.describe import describe
from vespera.events.log import EVENTS_FILE, MAX_PAGE, EventLog, EventLogError
from vespera.store.state import state_dir_for
from vespera_protocol.events import Event
from vespera_protocol.messages import EventFilter

_FOLLOW_SECONDS = 0.5
_json = msgspec.json.Encoder()


def _filter(args: argparse.Namespace) -> EventFilter:
    return EventFilter(
        types=args.type,
        subject=args.subject,
        actor=args.actor,
        since=args.since,
        until=args.until,
        correlationid=args.correlation,
    )


def _print(event: Event, as_json: bool) -> None:
    if as_json:
        render.result(_json.encode(event).decode())
        return
    render.result(
        f"{event.sequence:>6}  {event.time}  {event.actor:<12} {event.type:<20} "
        f"{event.subject}  {describe(event)}".rstrip()
    )


async def _open(args: argparse.Namespace) -> EventLog | None:
    folder = state_dir_for(args.vault, args.state_dir)
    try:
        return await EventLog.open(folder / EVENTS_FILE, read_only=True)
    except EventLogError as exc:
        render.error(str(exc))
        return None


async def run(args: argparse.Namespace) -> int:
    """Run ``vespera events ACTION``."""
    log = await _open(args)
    if log is None:
        return 2
    try:
        spec = _filter(args)
        if args.action == "query":
            return await _query(log, spec, args)
        if args.action == "tail":
            return await _tail(log, spec, args)
        return await _replay(log, spec, args)
    except ValueError as exc:  # a malformed time
        render.error(str(exc))
        return 2
    finally:
        await log.close()


async def _query(log: EventLog, spec: EventFilter, args: argparse.Namespace) -> int:
    page = await log.query(
        spec,
        after=args.after,
        before=args.before,
        limit=args.limit,
        newest_first=args.newest,
    )
    for event in page.events:
        _print(event, args.json)
    if page.next is not None:
        flag = "--newest --before" if args.newest else "--after"
        render.note(f"More events: continue with {flag} {page.next}")
    return 0


async def _tail(log: EventLog, spec: EventFilter, args: argparse.Namespace) -> int:
    last = (await log.query(spec, limit=args.lines, newest_first=True)).events
    for event in reversed(last):
        _print(event, args.json)
    if not args.follow:
        return 0
    from vespera.cli.commands import stop_on_signals

    stop = stop_on_signals()
    position = (last[0].sequence or 0) if last else await log.head()
    while not stop.is_set():
        page = await log.query(spec, after=position, limit=MAX_PAGE)
        for event in page.events:
            _print(event, args.json)
            position = event.sequence or position
        if page.next is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), _FOLLOW_SECONDS)
    return 0


async def _replay(log: EventLog, spec: EventFilter, args: argparse.Namespace) -> int:
    position = args.after
    if args.since and args.after == 0:
        position = await log.since_time(args.since)
    count = 0
    while True:
        page = await log.query(spec, after=position, limit=1000)
        for event in page.events:
            _print(event, args.json)
            count += 1
        if page.next is None:
            break
        position = page.next
    render.note(f"Replayed {count} events.")
    return 0
