"""The automation engine of one vault: rules in, events in, runs out.

The engine is a durable subscriber of the vault's event log, so every committed event meets the
rules once, in order, even across restarts. For each event it finds the candidate rules, and
for each rule that matches it plans a run in a worker thread (conditions, templates, actions
against a read-only view of the vault), then applies the run's effects on the event loop:
writes through the editor or to disk, events into the log, messages to the writer. Each run's
trace is kept, and its result is handed to whoever listens (the language server).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from vespera.automation.actions import RunFailedError, run_actions
from vespera.automation.chains import ChainRun
from vespera.automation.conditions import evaluate
from vespera.automation.dispatch import Dispatcher, RunControl
from vespera.automation.hooks import hooks_for, run_hooks
from vespera.automation.limits import Limits, Stop
from vespera.automation.loader import (
    LoadedRule,
    RuleFile,
    load_rules,
    mark_duplicate_ids,
    parse_rule_file,
    read_rule_file,
    with_enabled,
)
from vespera.automation.matcher import Match, NoteFacts, RuleIndex, trigger_scope
from vespera.automation.outcome import MAX_ATTEMPTS, RunResult, text_of
from vespera.automation.overrides import load_overrides, save_overrides
from vespera.automation.planning import Emit, NoteText, NoteWrite, Reader, RunPlan
from vespera.automation.rules import Rule
from vespera.automation.templates import Renderer, TemplateError
from vespera.automation.traces import RUNS_FILE, NearMiss, RunStore
from vespera.automation.undo import UndoReport, put_back
from vespera.automation.vault_view import VaultQueryError, VaultView
from vespera.automation.writes import WriteConflictError, WriteRefusedError, read_disk, write_disk
from vespera.codex.types import Codex, load_codex
from vespera.events.detect import Origin, now_rfc3339
from vespera.events.ids import new_id
from vespera_protocol.events import Event, automation
from vespera_protocol.messages import (
    RunChange,
    RunMessage,
    RunOutcome,
    RunRollback,
    RunTrace,
    UndoConflict,
)

if TYPE_CHECKING:
    from vespera.session import VaultSession

log = logging.getLogger(__name__)

SUBSCRIBER = "automation"
"""The engine's durable subscription to the event log."""
_FINISH_AT_CLOSE = 10.0
"""Seconds a closing vault waits for runs under way (and their traces) to finish."""
_LANDED = itertools.count(1)
"""Stamps the order in which a run's writes are made (rollback undoes them the other way)."""
_NEAR_MISSES_AFTER = 0.2
"""Seconds near misses wait, to be committed with those of the events that follow."""
_WRITERS = 4
"""How many closed notes a run writes at once."""
_RETOLD_AFTER = 600.0
"""Seconds before the same kind of stop of the same rule is told to the editor again."""
_REMEMBERED = 10_000
"""How many recent events, runs and cascades loop safety and dedup remember."""
MAX_CASCADE_RUNS = 50
"""The most runs one cascade (one first change, followed through its events) may start."""


@dataclass(frozen=True)
class Hold:
    """Why no rule runs for now: the stage and reason each rule's match is recorded with."""

    stage: str
    reason: str


UNTRUSTED = Hold(
    "untrusted",
    "the workspace is not trusted, so automation does not write (trust it to let rules run)",
)
"""The hold of a workspace the editor does not trust."""

SWITCHED_OFF = Hold("switched-off", "automation is switched off in the settings")
"""The hold while the ``automation`` setting is off."""


class OpenNotes(Protocol):
    """Notes open in an editor: read from the editor's text and changed through the editor."""

    def read_open(self, path: str) -> NoteText | None:
        """The editor's text of ``path`` with its version, or ``None`` if it is not open."""

    async def apply(self, path: str, original: NoteText, text: str) -> bool:
        """Ask the editor to change ``path`` from ``original`` to ``text``; whether it did."""


Listener = Callable[[RunTrace], Awaitable[None]]


class AutomationEngine:
    """Rules and runs of one vault."""

    def __init__(self, session: VaultSession) -> None:
        self.session = session
        self.root: Path = session.root
        self.renderer = Renderer()
        self.files: dict[str, RuleFile] = {}
        self.index = RuleIndex(())
        self.open_notes: OpenNotes | None = None
        self.listeners: list[Listener] = []
        self.runs: RunStore | None = None
        self._view: VaultView | None = None
        self._match_view: VaultView | None = None
        # What loop safety remembers of recent cascades (bounded, oldest forgotten first).
        self._cascades: OrderedDict[str, int] = OrderedDict()
        self._fired: OrderedDict[tuple[str, str, str], None] = OrderedDict()
        self._depths: OrderedDict[str, int] = OrderedDict()
        self._handled: OrderedDict[str, None] = OrderedDict()
        self._subscription: str | None = None
        self._starting: asyncio.Future[None] | None = None
        self._running: set[asyncio.Future[Any]] = set()
        self.limits = Limits()
        self.dispatch = Dispatcher(self.run, self._drop, self._superseded)
        self.planning = asyncio.Lock()
        """Runs plan one at a time (they share one read-only view of the vault)."""
        self._announced: dict[tuple[str, str], float] = {}
        self.overrides: dict[str, bool] = {}
        """This machine's overrides of rules' ``enabled`` (see :mod:`.overrides`)."""
        self._near: list[NearMiss] = []
        self._near_writing: asyncio.Future[None] | None = None
        self.codex = Codex()
        self.held: Hold | None = None
        """Why no rule runs for now (see :meth:`hold`)."""
        self._held_through: tuple[int, Hold] | None = None
        """The last event logged while the engine was held, and that hold."""

    async def start(self, subscribe: bool = True, codex: Codex | None = None) -> None:
        """Open the trace store, load the rules and start listening to the log.

        Starting is not cancelled half-way (a database connection opened and then dropped
        would keep its thread, and the process, alive): :meth:`close` waits for it instead.
        """
        self._starting = asyncio.ensure_future(self._start(subscribe, codex))
        await asyncio.shield(self._starting)

    async def _start(self, subscribe: bool, codex: Codex | None) -> None:
        self.runs = await RunStore.open(self.session.state_dir / RUNS_FILE)
        self.overrides = await asyncio.to_thread(load_overrides, self.session.state_dir)
        self._view = VaultView(self.session.db.path, lambda q, p: self.session.graph.read(q, p))
        # Events are matched while runs plan: matching reads the index through its own view.
        self._match_view = VaultView(
            self.session.db.path, lambda q, p: self.session.graph.read(q, p)
        )
        await asyncio.to_thread(self.reload, codex)
        if subscribe:
            sub = await self.session.bus.subscribe(self._on_event, name=SUBSCRIBER)
            self._subscription = sub.id

    async def close(self) -> None:
        """Stop listening and close the trace store."""
        if self._starting is not None:
            await asyncio.gather(self._starting, return_exceptions=True)
        if self._subscription is not None:
            await self.session.bus.unsubscribe(self._subscription)
            self._subscription = None
        self.dispatch.close()  # starts still waiting are dropped; runs under way finish
        deadline = time.monotonic() + _FINISH_AT_CLOSE
        while (waiting := self._running | self.dispatch.tasks) and time.monotonic() < deadline:
            await asyncio.wait(waiting, timeout=deadline - time.monotonic())
        await self.commit_near_misses()  # any left if the wait ran out
        if self.runs is not None:
            await self.runs.close()
            self.runs = None
        for view in (self._view, self._match_view):
            if view is not None:
                view.close()
        self._view = self._match_view = None

    @property
    def view(self) -> VaultView | None:
        """The read-only view of the vault runs plan against (``None`` until started)."""
        return self._view

    # -- rules ----------------------------------------------------------------------------------

    def reload(self, codex: Codex | None = None) -> None:
        """Read every rule file again, with ``codex`` (read from the vault if not given)."""
        self.codex = codex if codex is not None else load_codex(self.root)
        self.files = {f.path: f for f in load_rules(self.root, self.renderer, self.codex)}
        self._reindex()

    def reload_file(self, path: str, text: str | None = None) -> RuleFile | None:
        """Read one rule file again, or take ``text`` as its text (gone: its rules go)."""
        if text is None and not (self.root / path).is_file():
            self.files.pop(path, None)
            self._reindex()
            return None
        if text is not None:
            found = parse_rule_file(path, text, self.renderer, self.codex)
        else:
            found = read_rule_file(self.root, path, self.renderer, self.codex)
        before = {r.id: r.version for r in self.files[path].rules} if path in self.files else {}
        for loaded in found.rules:
            if before.get(loaded.id) != loaded.version:
                self.limits.reset(loaded.id)  # an edited rule starts with a clean slate
        self.files[path] = found
        self._reindex()
        return found

    def _reindex(self) -> None:
        mark_duplicate_ids(self.files.values())
        every = self.rules()
        for one in every:
            one.override = self.overrides.get(one.id)
        self.index = RuleIndex(every)
        broken = [r for r in every if r.rule is None]
        log.info(
            "%d rules loaded (%d runnable, %d invalid)", len(every), self.index.size, len(broken)
        )

    def rules(self) -> list[LoadedRule]:
        """Every rule of every file, in file order."""
        return [r for f in sorted(self.files) for r in self.files[f].rules]

    def rule(self, rule_id: str) -> LoadedRule:
        """The loaded rule ``rule_id``; ``KeyError`` with a message if there is none."""
        for loaded in self.rules():
            if loaded.id == rule_id:
                return loaded
        known = ", ".join(r.id for r in self.rules()) or "none"
        raise KeyError(f"there is no rule {rule_id!r} (rules: {known})")

    async def set_enabled(
        self, rule_id: str, enabled: bool | None, scope: str = "machine"
    ) -> LoadedRule:
        """Switch a rule on or off: on this machine (``None`` drops the override), or in its
        rule file (through the editor when the file is open there)."""
        loaded = self.rule(rule_id)
        if scope == "machine":
            if enabled is None:
                self.overrides.pop(rule_id, None)
            else:
                self.overrides[rule_id] = enabled
            await asyncio.to_thread(save_overrides, self.session.state_dir, self.overrides)
        else:
            if enabled is None:
                raise ValueError("say whether the rule file should switch it on or off")
            current = await asyncio.to_thread(self.read_note, loaded.file)
            if current is None:
                raise ValueError(f"{loaded.file} cannot be read")
            text = with_enabled(current.text, loaded, enabled)
            write = NoteWrite(loaded.file, current, text, [f"enabled: {enabled}"])
            origin = Origin("user", new_id(), None)
            await self.write_note(write, origin, hooks=False)
            await asyncio.to_thread(self.reload_file, loaded.file, text)
        if enabled:
            self.limits.reset(rule_id)  # switched on again: its past failures are forgiven
        self._reindex()
        return self.rule(rule_id)

    def hold(self, hold: Hold | None) -> None:
        """Hold the automation with ``hold``'s reason, or release it (``None``).

        While held, events are still matched, and each rule that would run is recorded as a
        near miss with the hold's reason; the log's checkpoint moves on. Released, the events
        logged while it held stay held even if they reach the rules later: they are
        explained, never run.
        """
        if hold is None and self.held is not None:
            self._held_through = (self.session.events.last, self.held)
        self.held = hold

    def _hold_of(self, event: Event) -> Hold | None:
        if self.held is not None or self._held_through is None:
            return self.held
        through, hold = self._held_through
        return hold if event.sequence is not None and event.sequence <= through else None

    # -- runs -----------------------------------------------------------------------------------

    async def _on_event(self, event: Event) -> None:
        # The event's runs are started (or queued) in order; they go on while the next events
        # arrive, as each rule's mode allows. close() lets them finish.
        work = asyncio.ensure_future(self.admit(event))
        self._running.add(work)
        work.add_done_callback(self._running.discard)
        await asyncio.shield(work)

    async def handle(self, event: Event) -> list[RunTrace]:
        """Run the rules ``event`` starts; returns their traces once they are done (an event is
        handled once; a start a newer one superseded while debouncing has none)."""
        traces = await asyncio.gather(*await self.admit(event))
        return [t for t in traces if t is not None]

    async def admit(self, event: Event) -> list[asyncio.Future[RunTrace | None]]:
        """Find the rules ``event`` starts and hand them to the dispatcher; their futures."""
        if self._view is None or event.id in self._handled:
            return []
        self._handled[event.id] = None
        while len(self._handled) > _REMEMBERED:
            self._handled.popitem(last=False)
        if not self.index.listens_for(event.type):
            return []  # no trip to a worker thread for the many events no rule wants
        misses: dict[str, tuple[LoadedRule, str]] = {}
        matches = await asyncio.to_thread(self._match, event, misses)
        near = [NearMiss(event, rule_id, "trigger", why) for rule_id, (_, why) in misses.items()]
        held = self._hold_of(event)
        out = []
        for match in matches:
            rule = match.rule.rule
            assert rule is not None
            if event.actor == automation(match.rule.id) and not rule.react_to_own_changes:
                # Its own change: not a reason to run again.
                near.append(
                    NearMiss(
                        event,
                        match.rule.id,
                        "own-change",
                        "the rule made this change itself (react_to_own_changes is off)",
                    )
                )
                continue
            if held is not None:
                near.append(NearMiss(event, match.rule.id, held.stage, held.reason))
                continue
            out.append(self.dispatch.submit(match, event))
        self._keep_near_misses(near)
        return out

    async def flush(self) -> None:
        """Wait until every run started so far, and its records, are done."""
        while self._running or self.dispatch.tasks:
            await asyncio.wait(self._running | self.dispatch.tasks)

    def _keep_near_misses(self, near: list[NearMiss]) -> None:
        """Keep near misses; they are committed together a moment later, not one commit per
        event on the event's way to the rules."""
        if not near or self.runs is None:
            return
        self._near += near
        if self._near_writing is None:
            self._near_writing = asyncio.ensure_future(self._commit_near_misses_soon())
            self._running.add(self._near_writing)
            self._near_writing.add_done_callback(self._running.discard)

    async def _commit_near_misses_soon(self) -> None:
        await asyncio.sleep(_NEAR_MISSES_AFTER)
        self._near_writing = None
        await self.commit_near_misses()

    async def commit_near_misses(self) -> None:
        """Commit the near misses kept so far (before reading explanations)."""
        batch, self._near = self._near, []
        if batch and self.runs is not None:
            await self.runs.add_near_misses(batch)

    def _match(
        self, event: Event, misses: dict[str, tuple[LoadedRule, str]] | None = None
    ) -> list[Match]:
        view = self._match_view
        assert view is not None
        view.forget()

        def facts() -> NoteFacts:
            note = view.note(event.subject)
            if note is None:
                kind = event.data.get("type") if isinstance(event.data, dict) else None
                return NoteFacts(kind, [])
            return NoteFacts(note.type, note.tags)

        return self.index.match(event, facts, misses)

    def read_note(self, path: str) -> NoteText | None:
        """A note's text as the writer has it: the editor's if open, else the file's."""
        if self.open_notes is not None:
            found = self.open_notes.read_open(path)
            if found is not None:
                return found
        return read_disk(self.root, path)

    def _plan(
        self,
        match: Match,
        event: Event,
        conditions: list[Any],
        actions: list[Any],
        context: dict[str, Any] | None = None,
        read: Reader | None = None,
        fresh: bool = True,
    ) -> tuple[RunPlan, bool, str | None]:
        """Test ``conditions`` and plan ``actions``: (plan, whether it runs, error).

        Notes are read with ``read`` (by default as the writer has them: :meth:`read_note`);
        ``fresh`` reads the index anew (a replay reads it once for many events).
        """
        assert self._view is not None
        view = self._view
        if fresh:
            view.forget()
        note = view.note(event.subject)
        trigger = trigger_scope(event, match, note)
        if event.type.startswith("custom."):
            trigger["values"] = event.data.get("values", {})
        plan = RunPlan(
            event, trigger, note, view, self.renderer, read or self.read_note, codex=self.codex
        )
        if context is not None:
            plan.context.update(context)
        try:
            if not all(evaluate(c, plan) for c in conditions):
                return plan, False, None
            run_actions(actions, plan)
        except (RunFailedError, TemplateError, VaultQueryError, ValueError) as exc:
            return plan, True, str(exc)
        except Exception as exc:
            # A fault of ours, not of the rule: the run fails with a trace, the other rules of
            # the event still run, and the log has the details.
            log.exception("Rule %s failed unexpectedly on event %s", match.rule.id, event.id)
            return plan, True, f"an internal error stopped the run ({type(exc).__name__}: {exc})"
        return plan, True, None

    async def run(
        self,
        match: Match,
        event: Event,
        control: RunControl | None = None,
        stop: Stop | None = None,
    ) -> RunTrace:
        """Plan and apply one rule's run for ``event``; keeps and announces its trace.

        With ``stop``, the run is only recorded as stopped (its mode dropped it).
        """
        loaded = match.rule
        rule = loaded.rule
        assert rule is not None
        run_id = new_id()
        started_at = now_rfc3339()
        started = time.perf_counter()
        origin = Origin(automation(loaded.id), run_id, event.correlationid)
        result = RunResult(control=control or RunControl())
        depth = self._depths.get(event.causationid or "", 0) + 1
        self._depths[run_id] = depth
        if stop is None:
            stop = self._loop_stop(match, event, depth)
        admitted = False
        if stop is None:
            stop = self.limits.check(loaded.id, rule, event.subject)
            admitted = stop is None
        if stop is not None:
            result.stopped(stop)
            log.warning("Stopped rule %s on %s: %s", loaded.id, event.subject, stop.reason)
        else:
            try:
                if rule.chain_steps:
                    await ChainRun(self, match, event, origin, result).run()
                else:
                    await self._run_actions(match, event, origin, result)
            except BaseException:
                self.limits.finished(loaded.id, rule, None)  # a breaker's trial is over
                raise
        rolls_back = rule.rollback_strategy == "reverse_completed_steps"
        if result.error is not None and result.applied and rolls_back:
            await self._roll_back(result, origin)
        if result.error is None and result.emits:
            result.emitted = await self._emit(result.emits, origin, event)
        trace = self._trace(loaded, event, run_id, started_at, started, result)
        trace.depth = depth
        if result.stop is not None:
            trace.outcome, trace.stop = "stopped", result.stop
            if admitted:  # stopped by its mode before it did anything: a trial it was is over
                self.limits.finished(loaded.id, rule, None)
        else:
            self.limits.count(loaded.id, event.subject)
            self._count(loaded, rule, trace)
        # The trace is committed while the result goes out: a client asking for it at once
        # waits on the store's lock until it is there.
        keeping = None
        if self.runs is not None:
            keeping = asyncio.ensure_future(self.runs.add(trace))
            self._running.add(keeping)
            keeping.add_done_callback(self._running.discard)
        for listener in self.listeners if self._announce(trace) else ():
            try:
                await listener(trace)
            except Exception:
                log.exception("Reporting an automation result failed")
        if keeping is not None:
            await keeping
        # Notes written to disk are indexed now, after the result went out (their events carry
        # the rule as actor whenever they are made), and before the next event's rules run.
        if result.on_disk:
            try:
                await self.session.update(list(dict.fromkeys(result.on_disk)), actor=origin.actor)
            except Exception:
                log.exception("Indexing the notes rule %s wrote failed", loaded.id)
        return trace

    async def _drop(self, match: Match, event: Event, stop: Stop) -> RunTrace:
        return await self.run(match, event, stop=stop)

    async def _run_actions(
        self, match: Match, event: Event, origin: Origin, result: RunResult
    ) -> None:
        """A rule with plain actions: planned, then applied (planned again on a conflict)."""
        rule = match.rule.rule
        assert rule is not None
        while result.attempts < MAX_ATTEMPTS:
            result.attempts += 1
            async with self.planning:
                plan, ran, error = await asyncio.to_thread(
                    self._plan, match, event, rule.conditions, rule.actions
                )
            result.ran, result.error = ran, error
            result.conditions = [(c, v, None) for c, v in plan.conditions]
            result.steps = plan.steps
            if not ran or error is not None:
                return
            if result.control.stop is not None:
                result.stopped(result.control.stop)
                return
            result.control.writing = True
            if await self.apply_plan(plan, origin, result, match.rule.id, result.attempts):
                if result.error is None:
                    result.take(plan)
                return

    async def apply_plan(
        self, plan: RunPlan, origin: Origin, result: RunResult, rule_id: str, attempt: int
    ) -> bool:
        """Write a plan's notes into ``result`` (``result.error`` says if that failed);
        ``False`` if a note changed under it and, this being attempt number ``attempt``, it
        should be planned again (its writes made so far are put back first)."""
        written: list[NoteWrite] = []
        try:
            await self._write_all(plan, origin, result.on_disk, written)
            result.applied += written
            return True
        except WriteConflictError as exc:
            await self.undo_partial(written, origin, result)
            if attempt >= MAX_ATTEMPTS:
                result.error = f"{exc}; gave up after {attempt} attempts"
                return True
            log.info("Planning %s again: %s", rule_id, exc)
            return False
        except (WriteRefusedError, OSError) as exc:
            result.error = str(exc)
        except Exception as exc:
            log.exception("Applying rule %s failed unexpectedly", rule_id)
            result.error = f"an internal error stopped the run ({type(exc).__name__}: {exc})"
        result.applied += written  # the run failed: these are rolled back with the rest
        return True

    async def undo_partial(
        self, written: list[NoteWrite], origin: Origin, result: RunResult
    ) -> None:
        """Put back the writes of a plan cut short by a conflict, before it is planned again
        (so that its edits are not made twice)."""
        if not written:
            return
        report = UndoReport(origin.causationid or "", "")
        writes = [(w.path, text_of(w.original), w.text) for w in written]
        result.on_disk += await put_back(self, writes, origin, report)
        if report.conflicts:
            # Left as they are: they count as written, and the run's undo will show them.
            kept = {path for path, _ in report.conflicts}
            result.applied += [w for w in written if w.path in kept]
            result.put_back_conflicts += report.conflicts

    async def _roll_back(self, result: RunResult, origin: Origin) -> None:
        """Put back every note a failed run wrote, last first (the notes changed since it
        wrote them are left alone and reported)."""
        report = UndoReport(origin.causationid or "", "")
        landed = sorted(result.applied, key=lambda w: w.landed)  # side-by-side steps interleave
        writes = [(w.path, text_of(w.original), w.text) for w in landed]
        result.on_disk += await put_back(self, writes, origin, report)
        undone = set(report.restored) | set(report.deleted)
        result.applied = [w for w in result.applied if w.path not in undone]
        result.rollback = RunRollback(
            restored=report.restored,
            deleted=report.deleted,
            conflicts=[
                UndoConflict(path=p, reason=r)
                for p, r in dict([*report.conflicts, *result.put_back_conflicts]).items()
            ],
        )

    def _loop_stop(self, match: Match, event: Event, depth: int) -> Stop | None:
        """Why loop safety stops this run, in words for the writer; ``None`` if it may run."""
        rule = match.rule.rule
        assert rule is not None
        cascade = event.correlationid
        if depth > rule.max_depth:
            return Stop(
                "loop",
                f"rules reacting to rules' changes went {depth - 1} deep, past this rule's "
                f"limit of {rule.max_depth}; stopped so that they cannot run away",
            )
        key = (cascade, match.rule.id, event.subject)
        if key in self._fired and not rule.repeat_in_cascade:
            return Stop(
                "loop",
                f"it already ran on {event.subject} in this cascade of changes; running again "
                "would start a loop (set repeat_in_cascade to allow it)",
            )
        self._fired[key] = None
        count = self._cascades.pop(cascade, 0) + 1
        self._cascades[cascade] = count
        for memory in (self._cascades, self._fired, self._depths):
            while len(memory) > _REMEMBERED:
                memory.popitem(last=False)
        if count > MAX_CASCADE_RUNS:
            return Stop(
                "loop",
                f"this cascade of changes already started {MAX_CASCADE_RUNS} runs; stopped so "
                "that rules reacting to each other cannot loop",
            )
        return None

    def _count(self, loaded: LoadedRule, rule: Rule, trace: RunTrace) -> None:
        """Count a run's result for the rule's breaker; a failure that opens it says so."""
        if trace.outcome not in ("succeeded", "partial", "failed"):
            self.limits.finished(loaded.id, rule, None)
            return
        if self.limits.finished(loaded.id, rule, trace.outcome == "failed"):
            failures = self.limits.breakers[loaded.id].failures
            trace.messages.append(
                RunMessage(
                    message=f"The rule '{loaded.name}' failed {failures} times in a row; it is "
                    f"paused for {rule.breaker.cooldown:g} s.",
                    level="warning",
                )
            )

    def _announce(self, trace: RunTrace) -> bool:
        """Whether the editor hears of this run: a stop only the first time in a while (a
        burst of starts dropped by the rule's mode, or a runaway, is told once)."""
        if trace.stop is None:
            return True
        key = (trace.rule, trace.stop)
        now = time.monotonic()
        last = self._announced.get(key)
        if last is not None and now - last < _RETOLD_AFTER:
            return False
        self._announced[key] = now
        return True

    def _superseded(self, match: Match, event: Event, newer: Event) -> None:
        why = f"a newer change ({newer.id}) came within its debounce and ran instead"
        self._keep_near_misses([NearMiss(event, match.rule.id, "superseded", why)])

    async def _write_all(
        self, plan: RunPlan, origin: Origin, on_disk: list[str], written: list[NoteWrite]
    ) -> None:
        """Write every note of ``plan`` (into ``written`` as they go)."""
        writes = [e for e in plan.effects if isinstance(e, NoteWrite)]
        # Closed notes are all checked before any is written: a conflict found half-way would
        # leave some written for nothing.
        closed = [w for w in writes if w.original is None or w.original.version is None]
        await asyncio.to_thread(_check_unchanged, self.root, closed)
        # Notes open in the editor one after the other (each is a round trip to it); closed
        # ones side by side, each durable write waiting on the disk while the others go on.
        waiting = {id(w) for w in closed}
        for write in writes:
            if id(write) not in waiting:
                if await self.write_note(write, origin):
                    on_disk.append(write.path)
                written.append(write)
        gate = asyncio.Semaphore(_WRITERS)

        async def one(write: NoteWrite) -> None:
            async with gate:
                if await self.write_note(write, origin):
                    on_disk.append(write.path)
                written.append(write)

        done = await asyncio.gather(*(one(w) for w in closed), return_exceptions=True)
        order = {id(w): n for n, w in enumerate(writes)}
        written.sort(key=lambda w: order.get(id(w), len(order)))  # the plan's order, as traced
        failed = [d for d in done if isinstance(d, BaseException)]
        if failed:
            raise failed[0]

    async def _emit(self, emits: list[Emit], origin: Origin, cause: Event) -> list[Event]:
        """Append a run's events to the log (once its writes stand)."""
        events = [
            Event(
                specversion="1.0",
                id=new_id(),
                type=emit.type,
                source=self.session.indexer.recorder.maker.source,
                subject=emit.subject,
                time=now_rfc3339(),
                actor=origin.actor,
                correlationid=cause.correlationid,
                causationid=origin.causationid,
                data={"values": emit.data},
            )
            for emit in emits
        ]
        try:
            events = await self.session.events.append(events)
        except Exception:
            log.exception("Recording the events of a run failed")
            return []
        self.session.bus.notify()
        return events

    async def write_note(self, write: NoteWrite, origin: Origin, hooks: bool = True) -> bool:
        """Write one note as a run does: through the editor if it is open there, else to disk
        (checked, atomic). Returns whether it went to disk (and so is still to be indexed).

        With ``hooks``, the pre-hooks on ``automation_write`` may refuse the write
        (:class:`WriteRefusedError`) or patch it first; undo and rollback skip them.
        """
        if hooks:
            await self._pre_write(write, origin)
        write.landed = next(_LANDED)
        original = write.original
        if original is not None and original.version is not None and self.open_notes is not None:
            self.session.expect_write(write.path, write.text, origin)
            if not await self.open_notes.apply(write.path, original, write.text):
                raise WriteConflictError(
                    f"{write.path} changed in the editor since the run read it"
                )
            return False
        if (
            original is None
            and self.open_notes is not None
            and self.open_notes.read_open(write.path) is not None
        ):
            raise WriteConflictError(f"{write.path} is open in the editor")
        self.session.expect_write(write.path, write.text, origin)
        await asyncio.to_thread(write_disk, self.root, write.path, original, write.text)
        return True

    async def _pre_write(self, write: NoteWrite, origin: Origin) -> None:
        """Let the ``automation_write`` pre-hooks refuse or patch ``write``."""
        pre = hooks_for(self, "automation_write")
        if not pre:
            return
        data = {
            "rule": origin.actor.removeprefix("automation:"),
            "kind": write.kind,
            "summary": "; ".join(write.summaries),
            "created": write.original is None,
        }
        async with self.planning:
            outcome = await asyncio.to_thread(
                run_hooks, self, pre, "automation_write", write.path, write.text, origin.actor, data
            )
        if outcome.denied is not None:
            name, reason = outcome.denied
            raise WriteRefusedError(
                f"the hook '{name}' refused the write to {write.path}: {reason}"
            )
        if outcome.applied:
            write.text = outcome.text
            write.summaries += [
                f"{summary} (hook '{h.name}')" for h, summary, _, _ in outcome.applied
            ]

    async def will_save(self, path: str) -> tuple[str, str] | None:
        """The ``will_save`` pre-hooks on a note being saved: (its text, the text to save), or
        ``None`` when they change nothing (or automation is held). Each hook that changed it
        is traced as a run."""
        if self.held is not None:
            return None
        pre = hooks_for(self, "will_save")
        if not pre:
            return None
        current = await asyncio.to_thread(self.read_note, path)
        if current is None:
            return None
        async with self.planning:
            outcome = await asyncio.to_thread(
                run_hooks, self, pre, "will_save", path, current.text, "user", {}
            )
        if not outcome.applied or outcome.event is None:
            return None
        for loaded, summary, before, after in outcome.applied:
            result = RunResult(ran=True, attempts=1)
            result.applied = [NoteWrite(path, NoteText(before, ""), after, [summary])]
            trace = self._trace(
                loaded, outcome.event, new_id(), now_rfc3339(), time.perf_counter(), result
            )
            if self.runs is not None:
                await self.runs.add(trace)
        return current.text, outcome.text

    def _trace(
        self,
        loaded: LoadedRule,
        event: Event,
        run_id: str,
        started_at: str,
        started: float,
        result: RunResult,
    ) -> RunTrace:
        steps = [step_dict(s) for s in result.steps]
        error = result.error
        outcome: RunOutcome
        if error is not None:
            outcome = "failed"
        elif not result.ran:
            outcome = "skipped"
        elif any(_has_error(s) for s in steps):
            outcome = "partial"
        else:
            outcome = "succeeded"
        if error is not None and result.rollback is not None:
            kept = len(result.rollback.conflicts)
            error += (
                "; its changes were put back"
                if not kept
                else f"; its changes were put back except in {kept} note(s) changed since"
            )
        messages = []
        if error is None and result.ran:
            messages = [RunMessage(message=n.message, level=n.level) for n in result.notices]
        conditions = []
        for condition, value, chain_step in result.conditions:
            entry: dict[str, Any] = {"condition": condition, "value": value}
            if chain_step is not None:
                entry["step"] = chain_step
            conditions.append(entry)
        return RunTrace(
            run=run_id,
            rule=loaded.id,
            rule_name=loaded.name,
            rule_version=loaded.version,
            rule_file=loaded.file,
            event=event,
            outcome=outcome,
            started=started_at,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            conditions=conditions,
            actions=steps,
            changes=[
                RunChange(
                    path=w.path,
                    kind="created" if w.original is None else "modified",
                    summary="; ".join(w.summaries),
                )
                for w in result.applied
            ],
            writes=[
                {"path": w.path, "before": text_of(w.original), "after": w.text}
                for w in result.applied
            ],
            messages=messages,
            emitted=[{"id": e.id, "type": e.type} for e in result.emitted],
            attempts=result.attempts,
            error=error,
            rollback=result.rollback,
        )


def _check_unchanged(root: Path, writes: list[NoteWrite]) -> None:
    """Raise :class:`WriteConflictError` if a note changed (or appeared) since the run read it."""
    for write in writes:
        current = read_disk(root, write.path)
        if write.original is None and current is not None:
            raise WriteConflictError(f"{write.path} appeared since the run read the vault")
        if write.original is not None and (
            current is None or current.digest != write.original.digest
        ):
            raise WriteConflictError(f"{write.path} changed since the run read it")


def step_dict(step: Any) -> dict[str, Any]:
    """One step of a trace (an action, or a chain's step) as JSON-ready data."""
    out: dict[str, Any] = {"action": step.action, "ms": step.ms}
    for key in ("label", "inputs", "result", "error", "skipped"):
        value = getattr(step, key)
        if value is not None:
            out[key] = value
    if step.steps:
        out["steps"] = [step_dict(s) for s in step.steps]
    return out


def _has_error(step: dict[str, Any]) -> bool:
    return "error" in step or any(_has_error(s) for s in step.get("steps", []))
