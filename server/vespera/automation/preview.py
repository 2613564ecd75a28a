"""Seeing before doing: what a rule would do, without writing anything.

A dry run plans a rule for one event, a recorded one or one made up from a note as it is now
("as if it had just become so"), exactly as a live run plans it, and returns the changes as
diffs. Chain steps see what the steps before them would have written. A replay dry-runs a rule
over the recorded events of a time range: which of them it would have fired on, and what it
would do for each, against the vault as it is now.
"""

from __future__ import annotations

import asyncio
import difflib
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from vespera.automation.actions.flow import plain
from vespera.automation.chains import STEP_ACTION, Progress
from vespera.automation.matcher import CompiledTrigger, Match, NoteFacts
from vespera.automation.planning import Emit, NoteText, NoteWrite, Notice, StepTrace
from vespera.automation.rules import event_fits, short_event_name
from vespera.events.detect import now_rfc3339
from vespera.events.ids import new_id
from vespera_protocol.events import Event
from vespera_protocol.messages import EventFilter, PlannedChange

if TYPE_CHECKING:
    from vespera.automation.loader import LoadedRule
    from vespera.automation.runner import AutomationEngine

MAX_REPLAY_EVENTS = 100_000
"""The most recorded events one replay reads."""
_PAGE = 2_000
_SLICE = 250


@dataclass
class Preview:
    """What a rule would do for one event."""

    rule: str
    event: Event
    matched: bool
    """Whether the rule's trigger takes the event (a made-up event always matches)."""
    reason: str | None = None
    """Why the trigger does not take it, or why the conditions stopped it."""
    ran: bool = False
    error: str | None = None
    conditions: list[dict[str, Any]] = field(default_factory=list)
    steps: list[StepTrace] = field(default_factory=list)
    changes: list[PlannedChange] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def fires(self) -> bool:
        """Whether the rule would run and do something or fail (not merely be skipped)."""
        return self.matched and self.ran


class _Overlay:
    """Notes as the dry run's earlier steps would have left them."""

    def __init__(self, engine: AutomationEngine) -> None:
        self.engine = engine
        self.texts: dict[str, NoteText] = {}
        self.first: dict[str, NoteWrite] = {}

    def read(self, path: str) -> NoteText | None:
        return self.texts.get(path) or self.engine.read_note(path)

    def keep(self, writes: list[NoteWrite]) -> None:
        for write in writes:
            if write.path not in self.first:
                self.first[write.path] = NoteWrite(
                    write.path, write.original, write.text, list(write.summaries)
                )
            else:
                known = self.first[write.path]
                known.text = write.text
                known.summaries += write.summaries
            self.texts[write.path] = NoteText(write.text, f"dry-run:{new_id()}")


def made_up_event(engine: AutomationEngine, loaded: LoadedRule, path: str) -> Event:
    """An event of the rule's first trigger about the note at ``path``, as if the note had
    just become what it is: its matching tags added, its status or field set to its value."""
    rule = loaded.rule
    assert rule is not None and engine.view is not None
    trigger = rule.trigger[0]
    kind = next((t for t in trigger.event if not any(c in t for c in "*?[")), "note.changed")
    note = engine.view.note(path)
    data: dict[str, Any] = {}
    if kind == "tag_changed" and note is not None:
        compiled = CompiledTrigger(trigger)
        tags = [
            t
            for t in note.tags
            if compiled.tags is None or compiled.tags.fullmatch(t.casefold().lstrip("#"))
        ]
        data = {
            "added": [
                {"name": t, **dict(zip(("key", "value"), t.split(":", 1), strict=False))}
                if ":" in t
                else {"name": t}
                for t in tags
            ]
        }
    elif kind == "status_changed" and note is not None:
        data = {"old": None, "new": note.fields.get("status")}
    elif kind == "field_changed" and note is not None:
        name = trigger.field or ""
        data = {"field": name, "old": None, "new": note.fields.get(name)}
    elif kind.startswith("custom."):
        data = {"values": {}}
    event_id = new_id()
    return Event(
        specversion="1.0",
        id=event_id,
        type=kind,
        source=engine.session.indexer.recorder.maker.source,
        subject=path,
        time=now_rfc3339(),
        actor="user",
        correlationid=event_id,
        data=data,
    )


def _match(
    engine: AutomationEngine,
    loaded: LoadedRule,
    event: Event,
    check: bool,
    compiled: dict[int, CompiledTrigger] | None = None,
) -> tuple[Match | None, str | None]:
    """The rule's match of ``event``, or why it has none (``compiled``: triggers compiled
    already, by their ``id``)."""
    rule = loaded.rule
    assert rule is not None and engine.view is not None
    view = engine.view
    compiled = {} if compiled is None else compiled

    def facts() -> NoteFacts:
        note = view.note(event.subject)
        return NoteFacts(None, []) if note is None else NoteFacts(note.type, note.tags)

    reasons = []
    for trigger in rule.trigger:
        if not any(event_fits(t, event.type) for t in trigger.event):
            reasons.append(f"it listens for {', '.join(map(short_event_name, trigger.event))}")
            if check:
                continue
        known = compiled.get(id(trigger))
        if known is None:
            known = compiled[id(trigger)] = CompiledTrigger(trigger)
        why, tag = known.check(event, facts, explain=True)
        if why is None or not check:
            return Match(loaded, trigger, tag), None
        reasons.append(why)
    return None, "; ".join(dict.fromkeys(reasons))


async def dry_run(
    engine: AutomationEngine, loaded: LoadedRule, event: Event, check_trigger: bool = True
) -> Preview:
    """What ``loaded`` would do for ``event``; nothing is written or emitted."""
    async with engine.planning:
        return await asyncio.to_thread(plan_preview, engine, loaded, event, check_trigger)


def plan_preview(
    engine: AutomationEngine,
    loaded: LoadedRule,
    event: Event,
    check_trigger: bool = True,
    fresh: bool = True,
    compiled: dict[int, CompiledTrigger] | None = None,
) -> Preview:
    """:func:`dry_run` in the calling (worker) thread; the caller holds the planning lock.

    ``fresh`` reads the index anew; a replay reads it once for a slice of events.
    """
    rule = loaded.rule
    assert rule is not None and engine.view is not None
    if fresh:
        engine.view.forget()
    preview = Preview(loaded.id, event, matched=True)
    match, reason = _match(engine, loaded, event, check_trigger, compiled)
    if match is None:
        preview.matched, preview.reason = False, reason
        return preview
    overlay = _Overlay(engine)
    plan, ran, error = engine._plan(
        match, event, rule.conditions, rule.actions, None, overlay.read, fresh=False
    )
    preview.conditions = [{"condition": c, "value": v} for c, v in plan.conditions]
    preview.ran, preview.error = ran, error
    effects: list[Any] = []
    if not ran:
        preview.reason = "its conditions do not hold"
    elif not rule.chain_steps:
        preview.steps = plan.steps
        if error is None:
            overlay.keep([e for e in plan.effects if isinstance(e, NoteWrite)])
            effects = plan.effects
    elif error is None:
        effects = _chain(engine, match, event, overlay, preview)
    for write in overlay.first.values():
        preview.changes.append(_change(write))
    if preview.error is None:
        preview.messages = [e.message for e in effects if isinstance(e, Notice)]
        preview.events = [
            {"type": e.type, "subject": e.subject, "data": plain(e.data)}
            for e in effects
            if isinstance(e, Emit)
        ]
    return preview


def _chain(
    engine: AutomationEngine, match: Match, event: Event, overlay: _Overlay, preview: Preview
) -> list[Any]:
    """Plan a chain's steps in order, each seeing what the ones before it would write."""
    rule = match.rule.rule
    assert rule is not None
    steps = rule.chain_steps
    context: dict[str, Any] = {}
    progress = Progress()
    effects: list[Any] = []
    for generation in rule.chain_order():
        failed = None
        for index in generation:
            chain_step = steps[index]
            record = StepTrace(STEP_ACTION, chain_step.name)
            preview.steps.append(record)
            blocked = progress.blocked(chain_step)
            outcome = "done"
            if blocked:
                record.skipped, outcome = blocked, "skipped"
            else:
                started = time.perf_counter()
                plan, ran, error = engine._plan(
                    match,
                    event,
                    chain_step.conditions,
                    chain_step.actions,
                    dict(context),
                    overlay.read,
                    fresh=False,
                )
                record.steps = plan.steps
                record.ms = round((time.perf_counter() - started) * 1000, 3)
                preview.conditions += [
                    {"condition": c, "value": v, "step": chain_step.name}
                    for c, v in plan.conditions
                ]
                if not ran:
                    record.skipped, outcome = "its conditions do not hold", "skipped"
                elif error is not None:
                    record.error, outcome = error, "failed"
                    if not chain_step.continue_on_error:
                        failed = f"step {chain_step.name!r} failed: {error}"
                else:
                    overlay.keep([e for e in plan.effects if isinstance(e, NoteWrite)])
                    effects += plan.effects
                    context.update(plan.context)
            progress.record(chain_step, outcome)
        if failed is not None:
            preview.error = failed
            break
    return effects


def _plan_all(engine: AutomationEngine, loaded: LoadedRule, events: list[Event]) -> list[Preview]:
    """Dry runs of a slice of events, against one reading of the index."""
    assert engine.view is not None
    engine.view.forget()
    compiled: dict[int, CompiledTrigger] = {}
    return [plan_preview(engine, loaded, e, True, False, compiled) for e in events]


def _change(write: NoteWrite) -> PlannedChange:
    before = "" if write.original is None else write.original.text
    diff = "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            write.text.splitlines(keepends=True),
            fromfile="/dev/null" if write.original is None else f"a/{write.path}",
            tofile=f"b/{write.path}",
        )
    )
    kind: Literal["created", "modified"] = "created" if write.original is None else "modified"
    return PlannedChange(path=write.path, kind=kind, summary="; ".join(write.summaries), diff=diff)


@dataclass
class Replay:
    """What a rule would have done over a stretch of the event log."""

    rule: str
    scanned: int = 0
    """Events read from the log."""
    considered: int = 0
    """Events of a type the rule listens for."""
    previews: list[Preview] = field(default_factory=list)
    """The events it would have fired on, oldest first."""
    not_taken: dict[str, int] = field(default_factory=dict)
    """Events it would not have fired on, counted by reason."""
    fired: int = 0
    """Events it would have fired on (only the first ones keep their previews)."""
    truncated: bool = False

    def summary(self) -> str:
        """One sentence for the writer."""
        fired = self.fired
        times = "once" if fired == 1 else f"{fired} times"
        writes = sum(len(p.changes) for p in self.previews)
        failed = sum(1 for p in self.previews if p.error is not None)
        text = f"This rule would have fired {times} over {self.scanned} recorded events"
        if writes:
            text += f", changing notes {writes} times"
        if failed:
            text += f"; {failed} of those runs would have failed"
        return text + "."


async def replay(
    engine: AutomationEngine,
    loaded: LoadedRule,
    since: str | None = None,
    until: str | None = None,
    limit: int = MAX_REPLAY_EVENTS,
    keep: int = 200,
) -> Replay:
    """Dry-run ``loaded`` over the events recorded between ``since`` and ``until``.

    Only the first ``keep`` previews keep their details; all are counted.
    """
    rule = loaded.rule
    assert rule is not None
    report = Replay(loaded.id)
    log = engine.session.events
    after = await log.since_time(since) if since else 0
    spec = EventFilter(until=until)
    while report.scanned < limit:
        page = await log.query(spec, after=after, limit=min(_PAGE, limit - report.scanned))
        wanted = []
        for event in page.events:
            report.scanned += 1
            if any(event_fits(t, event.type) for trig in rule.trigger for t in trig.event):
                wanted.append(event)
        report.considered += len(wanted)
        # Planned a slice at a time in one worker thread: the rules' live runs wait for the
        # planning lock at most one slice.
        for start in range(0, len(wanted), _SLICE):
            chunk = wanted[start : start + _SLICE]
            async with engine.planning:
                previews = await asyncio.to_thread(_plan_all, engine, loaded, chunk)
            for preview in previews:
                if preview.fires:
                    report.fired += 1
                    if len(report.previews) < keep:
                        report.previews.append(preview)
                else:
                    why = preview.reason or "it would not run"
                    report.not_taken[why] = report.not_taken.get(why, 0) + 1
        if page.next is None or not page.events:
            break
        after = page.next
    report.truncated = report.scanned >= limit or report.fired > len(report.previews)
    return report
