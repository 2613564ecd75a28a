"""Chains: a rule's named steps, run in the order their ``depends_on`` give.

Steps that depend on none of each other form one generation: they are planned one after the
other (planning reads one view of the vault) and their writes go out side by side. A step sees
the context its dependencies stored (``store_as``) and the notes as earlier steps left them.
A step whose conditions do not hold is skipped, and so are the steps that depend on it. A
failed step fails the chain, which the runner then rolls back; with ``continue_on_error`` the
chain goes on without it (and without the steps that depend on it).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vespera.automation.outcome import MAX_ATTEMPTS, RunResult
from vespera.automation.planning import StepTrace

if TYPE_CHECKING:
    from vespera.automation.matcher import Match
    from vespera.automation.rules import ChainStep
    from vespera.automation.runner import AutomationEngine
    from vespera.events.detect import Origin
    from vespera_protocol.events import Event

STEP_ACTION = "chain_step"
"""What a step is called in a trace's list of actions (its actions are nested in it)."""


class Progress:
    """How a chain's steps ended so far (done, skipped or failed), by each one's key and name;
    live runs and dry runs skip a step the same way."""

    def __init__(self) -> None:
        self._status: dict[str, str] = {}

    def blocked(self, chain_step: ChainStep) -> str | None:
        """Why ``chain_step`` cannot run (a step it depends on did not complete), or ``None``."""
        for dep in chain_step.depends_on:
            if self._status.get(str(dep)) != "done":
                return f"a step it depends on did not complete ({dep})"
        return None

    def record(self, chain_step: ChainStep, status: str) -> None:
        self._status[chain_step.key] = self._status[chain_step.name] = status


@dataclass
class _StepRun:
    """What one step did."""

    record: StepTrace
    status: str = "done"
    """done, skipped or failed."""
    context: dict[str, Any] = field(default_factory=dict)


class ChainRun:
    """One run of a rule with ``chain_steps``, filling the run's ``result``."""

    def __init__(
        self,
        engine: AutomationEngine,
        match: Match,
        event: Event,
        origin: Origin,
        result: RunResult,
    ) -> None:
        rule = match.rule.rule
        assert rule is not None
        self.engine = engine
        self.match = match
        self.rule = rule
        self.event = event
        self.origin = origin
        self.result = result
        self.context: dict[str, Any] = {}

    async def run(self) -> None:
        """Test the rule's conditions, then run the steps generation by generation."""
        async with self.engine.planning:
            plan, ran, error = await asyncio.to_thread(
                self.engine._plan, self.match, self.event, self.rule.conditions, []
            )
        self.result.conditions = [(c, v, None) for c, v in plan.conditions]
        self.result.ran, self.result.error = ran, error
        if not ran or error is not None:
            return
        steps = self.rule.chain_steps
        progress = Progress()
        for generation in self.rule.chain_order():
            runnable = []
            for index in generation:
                blocked = progress.blocked(steps[index])
                if blocked:
                    record = StepTrace(STEP_ACTION, steps[index].name)
                    record.skipped = blocked
                    self.result.steps.append(record)
                    progress.record(steps[index], "skipped")
                else:
                    runnable.append(index)
            done = await asyncio.gather(*(self._step(steps[i]) for i in runnable))
            for index, step_run in zip(runnable, done, strict=True):
                self.result.steps.append(step_run.record)
                progress.record(steps[index], step_run.status)
                self.context.update(step_run.context)
            failed = [
                (steps[i], r)
                for i, r in zip(runnable, done, strict=True)
                if r.status == "failed" and not steps[i].continue_on_error
            ]
            if failed:
                chain_step, step_run = failed[0]
                self.result.error = f"step {chain_step.name!r} failed: {step_run.record.error}"
                return

    async def _step(self, chain_step: ChainStep) -> _StepRun:
        """Plan and write one step (planned again when a note changed under it)."""
        record = StepTrace(STEP_ACTION, chain_step.name)
        started = time.perf_counter()
        out = _StepRun(record)
        attempt = 0
        while attempt < MAX_ATTEMPTS:
            attempt += 1
            async with self.engine.planning:
                plan, ran, error = await asyncio.to_thread(
                    self.engine._plan,
                    self.match,
                    self.event,
                    chain_step.conditions,
                    chain_step.actions,
                    dict(self.context),
                )
            record.steps = plan.steps
            self.result.conditions += [(c, v, chain_step.name) for c, v in plan.conditions]
            if not ran:
                record.skipped = "its conditions do not hold"
                out.status = "skipped"
                break
            if error is not None:
                record.error = error
                out.status = "failed"
                break
            control = self.result.control
            if control.stop is not None and not control.writing:
                record.error = control.stop.reason
                self.result.stopped(control.stop)
                out.status = "failed"
                break
            control.writing = True
            mine = RunResult()
            final = await self.engine.apply_plan(
                plan, self.origin, mine, self.match.rule.id, attempt
            )
            self.result.on_disk += mine.on_disk
            self.result.put_back_conflicts += mine.put_back_conflicts
            if not final:
                self.result.applied += mine.applied  # what a put-back left: changed since
                continue
            if mine.error is None:
                self.result.applied += mine.applied
                self.result.take(plan)
                out.context = dict(plan.context)
                break
            record.error = mine.error
            out.status = "failed"
            if chain_step.continue_on_error:
                # The chain goes on without this step: what it wrote before failing goes.
                await self.engine.undo_partial(mine.applied, self.origin, self.result)
            else:
                self.result.applied += mine.applied  # rolled back with the whole chain
            break
        self.result.attempts = max(self.result.attempts, attempt)
        record.ms = round((time.perf_counter() - started) * 1000, 3)
        return out
