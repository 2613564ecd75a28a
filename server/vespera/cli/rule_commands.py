"""``vespera rules list|check``: the rules of a vault and the problems of its rule files.

Both read the rule files and the codex types straight from the vault, never the vault's stores,
so they need no lock and no index: ``check`` runs in CI or a pre-commit hook as well as next
to an editor serving the vault.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from vespera.automation.loader import LoadedRule, RuleFile, load_rules, read_rule_file
from vespera.automation.rules import RULES_DIR, is_rule_path, short_event_name
from vespera.automation.templates import Renderer
from vespera.cli import render
from vespera.cli.tables import print_table
from vespera.codex.types import load_codex
from vespera.vault.model import Problem


async def run(args: argparse.Namespace) -> int:
    """Run ``vespera rules ACTION``."""
    if args.action == "trace":
        from vespera.cli.trace_commands import trace

        return await trace(args)
    if args.action == "undo":
        return await _undo(args)
    if args.action == "explain":
        return await _explain(args)
    if not args.vault.is_dir():
        render.error(f"{args.vault} is not a folder; pass the folder of a vault.")
        return 2
    if args.action == "list":
        files = await asyncio.to_thread(_load_all, args.vault)
        _print_list(args.vault, files, args.json)
        return 0
    return await _check(args)


def _load_all(root: Path) -> list[RuleFile]:
    """Every rule file of the vault, checked against its codex types as the engine does."""
    return load_rules(root, Renderer(), load_codex(root))


# -- list -----------------------------------------------------------------------------------------


def _triggers(loaded: LoadedRule) -> list[dict[str, list[str]]]:
    """Each trigger's event types (as a rule writes them) and codex types."""
    if loaded.rule is None:
        return []
    return [
        {
            "events": [short_event_name(e) for e in trigger.event],
            "codex_types": list(trigger.codex_type),
        }
        for trigger in loaded.rule.trigger
    ]


def _state(loaded: LoadedRule) -> tuple[str, str | None]:
    """``runnable``, ``disabled`` or ``invalid``, with the reason for the last two."""
    if loaded.rule is None:
        errors = [p for p in loaded.problems if p.severity == "error"] or loaded.problems
        return "invalid", (_located(errors[0]) if errors else "invalid")
    if not loaded.runnable:
        return "disabled", loaded.disabled_reason
    return "runnable", None


def _located(problem: Problem) -> str:
    if problem.range is None:
        return problem.message
    return f"{problem.message} (line {problem.range.start_line + 1})"


def _problem_json(file: str, problem: Problem) -> dict[str, Any]:
    span = problem.range
    return {
        "file": file,
        "line": span.start_line + 1 if span else None,
        "column": span.start_char + 1 if span else None,
        "end_line": span.end_line + 1 if span else None,
        "end_column": span.end_char + 1 if span else None,
        "severity": problem.severity,
        "message": problem.message,
    }


def _print_list(root: Path, files: list[RuleFile], as_json: bool) -> None:
    rules = [r for f in files for r in f.rules]
    if as_json:
        entries = []
        for loaded in rules:
            state, reason = _state(loaded)
            entries.append(
                {
                    "id": loaded.id,
                    "name": loaded.name,
                    "file": loaded.file,
                    "version": loaded.version,
                    "triggers": _triggers(loaded),
                    "state": state,
                    "reason": reason,
                    "problems": [_problem_json(loaded.file, p) for p in loaded.problems],
                }
            )
        file_problems = [_problem_json(f.path, p) for f in files for p in f.problems]
        _print_json(
            {"vault": str(root.resolve()), "rules": entries, "file_problems": file_problems}
        )
        return
    if not files:
        render.note(f"No rule files in {root / RULES_DIR}.")
        return
    table = Table(
        "id",
        "name",
        "file",
        "triggers",
        "state",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    for loaded in rules:
        state, reason = _state(loaded)
        style = {"runnable": "green", "disabled": "yellow", "invalid": "red"}[state]
        table.add_row(
            Text(loaded.id),
            Text(loaded.name),
            Text(loaded.file.removeprefix(RULES_DIR + "/")),
            Text("\n".join(_trigger_text(t) for t in _triggers(loaded)) or "-"),
            Text(f"{state}: {reason}" if reason else state, style=style),
        )
    if rules:
        print_table(table)
    for file in files:
        for problem in file.problems:
            render.out.print(
                Text(f"{file.path}: {problem.severity}: {_located(problem)}", style="red")
            )
    runnable = sum(r.runnable for r in rules)
    render.note(
        f"{_count(len(rules), 'rule')} in {_count(len(files), 'file')}, {runnable} runnable."
    )


def _trigger_text(trigger: dict[str, list[str]]) -> str:
    events = ", ".join(trigger["events"])
    types = ", ".join(trigger["codex_types"])
    return f"{events} on {types}" if types else events


def _print_json(data: Any) -> None:
    render.out.out(json.dumps(data, indent=2, ensure_ascii=False))


# -- check ----------------------------------------------------------------------------------------


@dataclass
class _Checked:
    """A rule file as checked, and how to name it in messages."""

    shown: str
    file: RuleFile


def _vault_relative(root: Path, given: str) -> str | None:
    """The vault-relative path of a file named on the command line, or ``None``."""
    path = Path(given)
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, root / path]
    resolved_root = root.resolve()
    for candidate in candidates:
        if candidate.exists():
            try:
                return candidate.resolve().relative_to(resolved_root).as_posix()
            except ValueError:
                continue
    return None


def _selected(root: Path, names: list[str]) -> tuple[list[_Checked], list[str]]:
    """The rule files to check, and error messages for names that are none."""
    renderer = Renderer()
    codex = load_codex(root)
    if not names:
        every = load_rules(root, renderer, codex)
        return [_Checked((root / f.path).as_posix(), f) for f in every], []
    found: list[_Checked] = []
    errors: list[str] = []
    for name in names:
        rel = _vault_relative(root, name)
        if rel is None:
            errors.append(f"{name} is not a file of the vault {root}.")
        elif not is_rule_path(rel):
            errors.append(f"{name} is not a rule file ({RULES_DIR}/*.yaml of the vault).")
        else:
            found.append(_Checked(name, read_rule_file(root, rel, renderer, codex)))
    return found, errors


def _sort_key(problem: Problem) -> tuple[int, int]:
    return (problem.range.start_line, problem.range.start_char) if problem.range else (0, 0)


async def _check(args: argparse.Namespace) -> int:
    checked, errors = await asyncio.to_thread(_selected, args.vault, args.files)
    for message in errors:
        render.error(message)
    if errors:
        return 2
    found = [(c.shown, p) for c in checked for p in sorted(c.file.all_problems(), key=_sort_key)]
    failed = any(p.severity == "error" for _, p in found)
    if args.json:
        _print_json(
            {
                "files": len(checked),
                "rules": sum(len(c.file.rules) for c in checked),
                "ok": not failed,
                "problems": [_problem_json(shown, p) for shown, p in found],
            }
        )
    else:
        for shown, problem in found:
            span = problem.range
            where = f"{span.start_line + 1}:{span.start_char + 1}" if span else "1:1"
            render.out.print(
                Text(f"{shown}:{where}: {problem.severity}: {problem.message}"), soft_wrap=True
            )
        render.note(_summary(checked, [p for _, p in found]))
    return 1 if failed else 0


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"


def _summary(checked: list[_Checked], problems: list[Problem]) -> str:
    """One sentence about the check, for stderr."""
    if not checked:
        return "No rule files to check."
    rules = sum(len(c.file.rules) for c in checked)
    counted = f"{_count(len(checked), 'rule file')}, {_count(rules, 'rule')}"
    if not problems:
        return f"{counted}: no problems."
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    return f"{counted}: {_count(errors, 'error')}, {_count(warnings, 'warning')}."


async def _undo(args: argparse.Namespace) -> int:
    """``vespera rules undo VAULT RUN``: put back what a run wrote."""
    from vespera.automation.runner import AutomationEngine
    from vespera.automation.undo import UndoError, undo_run
    from vespera.session import VaultError, VaultSession

    try:
        session = await VaultSession.open(args.vault, args.state_dir)
    except VaultError as exc:
        render.error(str(exc))
        return 2
    async with session:
        engine = AutomationEngine(session)
        await engine.start(subscribe=False)
        try:
            report = await undo_run(engine, args.run)
        except UndoError as exc:
            render.error(f"Cannot undo: {exc}.")
            return 1
        finally:
            await engine.close()
    if args.json:
        _print_json(
            {
                "undo": report.undo,
                "run": report.run,
                "restored": report.restored,
                "deleted": report.deleted,
                "conflicts": [{"path": p, "reason": r} for p, r in report.conflicts],
            }
        )
    else:
        for path in report.restored:
            print(f"restored  {path}")
        for path in report.deleted:
            print(f"deleted   {path}")
        for path, reason in report.conflicts:
            print(f"left      {path}: {reason}")
    return 1 if report.conflicts else 0


async def _explain(args: argparse.Namespace) -> int:
    """``vespera rules explain VAULT [EVENT]``: why rules did or did not run."""
    import sqlite3

    import msgspec

    from vespera.automation.traces import RUNS_FILE, quiet_entries
    from vespera.cli.trace_commands import TraceStoreError, open_read_only, subject_of
    from vespera.events.log import EVENTS_FILE, EventLog
    from vespera.store.state import state_dir_for
    from vespera_protocol.messages import ExplainEntry, ExplainResult

    if not args.vault.is_dir():
        render.error(f"{args.vault} is not a folder; pass the folder of a vault.")
        return 2
    folder = state_dir_for(args.vault, args.state_dir)
    entries: list[ExplainEntry] = []
    if (folder / RUNS_FILE).is_file():
        try:
            store = await open_read_only(folder / RUNS_FILE)
        except TraceStoreError as exc:
            render.error(str(exc))
            return 2
        try:
            entries = await store.explain(
                args.event, args.rule, subject_of(args.vault, args.note), args.limit
            )
        except sqlite3.Error as exc:
            render.error(f"Cannot read the run traces: {exc}.")
            return 2
        finally:
            await store.close()
    if args.event is not None and (folder / EVENTS_FILE).is_file():
        log = await EventLog.open(folder / EVENTS_FILE, read_only=True)
        try:
            event = await log.get(args.event)
        finally:
            await log.close()
        if event is None and not entries:
            render.error(f"There is no event {args.event} in the log.")
            return 1
        if event is not None:
            files = await asyncio.to_thread(_load_all, args.vault)
            rules = [r for f in files for r in f.rules]
            entries += quiet_entries(rules, event, {e.rule for e in entries}, args.rule)
    if args.json:
        result = ExplainResult(entries=entries)
        render.out.out(msgspec.json.format(msgspec.json.encode(result), indent=2).decode())
        return 0
    if not entries:
        render.note("Nothing to explain: no rule listened for such events yet.")
        return 0
    table = Table(
        "time", "event", "note", "rule", "stage", "why", box=box.SIMPLE_HEAD, show_edge=False
    )
    for e in entries:
        style = "green" if e.stage == "ran" else ("dim" if e.stage == "not-listening" else "")
        table.add_row(
            Text(e.time[:19].replace("T", " ")),
            Text(e.event_type),
            Text(e.subject),
            Text(e.rule),
            Text(e.stage, style=style),
            Text(e.reason),
        )
    print_table(table)
    return 0
