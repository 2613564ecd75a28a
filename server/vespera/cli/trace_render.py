"""Automation runs on a terminal: a table of runs, and one run's trace to read from top to bottom.

The trace reads in the order the run happened: the event, the rule, each condition with its
value, each action (the actions of a ``for_each`` nested under it) with its rendered inputs and
its result or error, then what the run left behind: changes, messages, events and its error.
"""

from __future__ import annotations

import json
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from vespera.automation.chains import STEP_ACTION
from vespera.cli.render import out
from vespera.cli.tables import print_table
from vespera.events.describe import describe
from vespera_protocol.messages import RunTrace

_OUTCOME_STYLE = {"succeeded": "green", "partial": "yellow", "failed": "red", "skipped": "dim"}
_INDENT = "  "


def _time(rfc3339: str) -> str:
    """``2026-11-22T15:23:18.981Z`` as ``2026-11-22 15:23:18`` (UTC, to the second)."""
    return rfc3339[:19].replace("T", " ")


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def print_run_table(runs: list[RunTrace]) -> None:
    """Runs, newest first, one row each."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("run", "time (UTC)", "rule", "event", "note", "outcome"):
        table.add_column(column, no_wrap=column == "run")
    table.add_column("changes", justify="right")
    table.add_column("duration", justify="right")
    for trace in runs:
        table.add_row(
            Text(trace.run),
            Text(_time(trace.started)),
            Text(trace.rule),
            Text(trace.event.type),
            Text(trace.event.subject),
            Text(trace.outcome, style=_OUTCOME_STYLE.get(trace.outcome, "")),
            Text(str(len(trace.changes))),
            Text(_ms(trace.duration_ms)),
        )
    print_table(table)


def _shown(value: Any) -> str:
    """A value of a trace on one line: strings as they are, the rest as JSON."""
    if isinstance(value, str) and "\n" not in value:
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _heading(title: str) -> Text:
    return Text(title, style="bold")


def _pairs(label: str, values: Any, indent: str) -> list[Text]:
    """``label`` then ``key: value`` lines (a value that is no mapping on the label's line)."""
    if not isinstance(values, dict):
        return [Text(f"{indent}{label}: {_shown(values)}")]
    shown = {k: v for k, v in values.items() if v is not None}
    if not shown:
        return [Text(f"{indent}{label}: (none)")]
    lines = [Text(f"{indent}{label}:")]
    lines += [Text(f"{indent}{_INDENT}{key}: {_shown(value)}") for key, value in shown.items()]
    return lines


def _step_lines(step: dict[str, Any], number: str, indent: str) -> list[Text]:
    """One action of the trace and, nested under it, the actions it ran."""
    title = Text(f"{indent}{number}. ")
    if step.get("action") == STEP_ACTION:  # a chain's step: its name says it all
        title.append(f"step: {step.get('label', '?')}", style="bold")
    else:
        title.append(str(step.get("action", "?")), style="bold")
        if step.get("label"):
            title.append(f" ({step['label']})")
    title.append(f"  {_ms(float(step.get('ms', 0.0)))}", style="dim")
    lines = [title]
    inner = indent + _INDENT * 2
    if "skipped" in step:
        lines.append(Text(f"{inner}skipped ({step['skipped']})", style="dim"))
    if "inputs" in step:
        lines += _pairs("inputs", step["inputs"], inner)
    if "result" in step:
        lines += _pairs("result", step["result"], inner)
    if "error" in step:
        lines.append(Text(f"{inner}error: {step['error']}", style="red"))
    for index, child in enumerate(step.get("steps", []), start=1):
        lines += _step_lines(child, f"{number}.{index}", inner)
    return lines


def trace_lines(trace: RunTrace) -> list[Text]:
    """The whole trace of a run, as lines to print."""
    event = trace.event
    what = describe(event)
    attempts = f", {trace.attempts} attempts" if trace.attempts != 1 else ""
    head = Text(f"Run {trace.run}  ")
    head.append(trace.outcome, style=_OUTCOME_STYLE.get(trace.outcome, ""))
    lines = [
        head,
        Text(f"{_INDENT}started  {trace.started}, took {_ms(trace.duration_ms)}{attempts}"),
        Text(
            f"{_INDENT}rule     {trace.rule} ({trace.rule_name}), version {trace.rule_version}, "
            f"{trace.rule_file}"
        ),
        Text(f"{_INDENT}event    {event.type} on {event.subject}" + (f": {what}" if what else "")),
        Text(
            f"{_INDENT}         by {event.actor} at {event.time}, "
            f"#{event.sequence if event.sequence is not None else '?'}, id {event.id}"
        ),
        _heading("Conditions"),
    ]
    if not trace.conditions:
        lines.append(Text(f"{_INDENT}(none)"))
    for condition in trace.conditions:
        value = condition.get("value")
        line = Text(_INDENT)
        line.append(f"{_shown(value):<6}", style="green" if value is True else "red")
        line.append(f" {_shown(condition.get('condition'))}")
        if condition.get("step"):
            line.append(f"  (step: {condition['step']})", style="dim")
        lines.append(line)
    lines.append(_heading("Actions"))
    if not trace.actions:
        lines.append(Text(f"{_INDENT}(none run)"))
    for index, step in enumerate(trace.actions, start=1):
        lines += _step_lines(step, str(index), _INDENT)
    lines += _outcome_lines(trace)
    return lines


def _outcome_lines(trace: RunTrace) -> list[Text]:
    """What the run left behind: changes, messages, emitted events, its error."""
    lines = [_heading("Changes")]
    lines += [Text(f"{_INDENT}{c.kind:<9} {c.path}: {c.summary}") for c in trace.changes]
    if not trace.changes:
        lines.append(Text(f"{_INDENT}(none)"))
    if trace.messages:
        lines.append(_heading("Messages"))
        lines += [Text(f"{_INDENT}{m.level:<8} {m.message}") for m in trace.messages]
    if trace.emitted:
        lines.append(_heading("Emitted events"))
        lines += [
            Text(f"{_INDENT}{e.get('type', '?')} (id {e.get('id', '?')})") for e in trace.emitted
        ]
    if trace.error:
        lines.append(_heading("Error"))
        lines.append(Text(f"{_INDENT}{trace.error}", style="red"))
    rollback = trace.rollback
    if rollback is not None:
        lines.append(_heading("Rolled back"))
        lines += [Text(f"{_INDENT}restored  {p}") for p in rollback.restored]
        lines += [Text(f"{_INDENT}deleted   {p}") for p in rollback.deleted]
        lines += [
            Text(f"{_INDENT}kept      {c.path}: {c.reason}", style="yellow")
            for c in rollback.conflicts
        ]
    return lines


def print_trace(trace: RunTrace) -> None:
    """One run's trace on stdout."""
    for line in trace_lines(trace):
        out.print(line, soft_wrap=True)
