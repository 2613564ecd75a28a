"""Seeing and steering rules from the editor.

``vespera/rules/dryRun`` and ``vespera/rules/replay`` show what a rule would do (on a note, a
recorded event, or the log of a time range) without writing; ``vespera/runs/explain`` says why
rules did or did not run; ``vespera/rules/setEnabled`` switches a rule on or off;
``vespera/automation/status`` sums it all up. Rule files get code lenses that dry-run a rule on
the active note and replay it over the last week, as commands any LSP editor can run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import msgspec
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

from vespera.automation.loader import LoadedRule, parse_rule_file
from vespera.automation.preview import Preview, dry_run, made_up_event, replay
from vespera.automation.rules import short_event_name
from vespera.automation.runner import AutomationEngine, step_dict
from vespera.automation.traces import quiet_entries
from vespera.lsp.features.events import host_of, params_of
from vespera.lsp.server import VesperaServer
from vespera.lsp.settings import automation_held
from vespera.lsp.vault_host import VaultHost
from vespera_protocol.messages import (
    AUTOMATION_STATUS,
    RULES_DRY_RUN,
    RULES_DRY_RUN_COMMAND,
    RULES_REPLAY,
    RULES_REPLAY_COMMAND,
    RULES_SET_ENABLED,
    RUNS_EXPLAIN,
    AutomationStatus,
    AutomationStatusParams,
    DryRunParams,
    DryRunResult,
    ExplainParams,
    ExplainResult,
    ReplayParams,
    ReplayResult,
    RuleSource,
    RuleState,
    SetEnabledParams,
    SetEnabledResult,
)

REPLAY_DAYS = 7


def _engine(host: VaultHost) -> AutomationEngine:
    engine = host.automation
    if engine is None or engine.runs is None or engine.view is None:
        raise JsonRpcInvalidParams(f"The automation of {host.root} is not running.")
    return engine


def rule_of(engine: AutomationEngine, source: RuleSource) -> LoadedRule:
    """The rule a request names: loaded, or read from the text it sends (unsaved edits)."""
    if source.text is not None:
        path = source.file or ".vespera/rules/draft.yaml"
        parsed = parse_rule_file(path, source.text, engine.renderer, engine.codex)
        wanted = [r for r in parsed.rules if source.rule in (None, r.id)]
        if not wanted:
            raise JsonRpcInvalidParams(f"The text holds no rule {source.rule or ''}".strip() + ".")
        loaded = wanted[0]
    else:
        if source.rule is None:
            raise JsonRpcInvalidParams("Name a rule ('rule'), or send a rule file's 'text'.")
        try:
            loaded = engine.rule(source.rule)
        except KeyError as exc:
            raise JsonRpcInvalidParams(f"{exc.args[0][0].upper()}{exc.args[0][1:]}.") from None
    if loaded.rule is None:
        raise JsonRpcInvalidParams(
            f"The rule '{loaded.name}' cannot run: {loaded.disabled_reason}."
        )
    return loaded


def _path(ls: VesperaServer, host: VaultHost, note: str) -> str:
    if note.startswith("file:"):
        found = ls.host_of(note)
        if found is None or found[0] is not host:
            raise JsonRpcInvalidParams(f"{note} is not in the vault {host.root}.")
        return found[1]
    return note.removeprefix("./")


def dry_run_result(loaded: LoadedRule, preview: Preview) -> DryRunResult:
    """A dry run as the protocol sends it."""
    return DryRunResult(
        rule=loaded.id,
        rule_name=loaded.name,
        event=preview.event,
        matched=preview.matched,
        ran=preview.ran,
        reason=preview.reason,
        error=preview.error,
        conditions=preview.conditions,
        actions=[step_dict(s) for s in preview.steps],
        changes=preview.changes,
        messages=preview.messages,
        events=preview.events,
    )


async def run_dry_run(
    ls: VesperaServer, host: VaultHost, params: DryRunParams
) -> tuple[LoadedRule, Preview]:
    """Dry-run the rule ``params`` names on its note or event."""
    engine = _engine(host)
    loaded = rule_of(engine, params)
    if params.event is not None:
        assert host.session is not None
        event = await host.session.events.get(params.event)
        if event is None:
            raise JsonRpcInvalidParams(f"There is no event {params.event!r} in the log.")
        return loaded, await dry_run(engine, loaded, event)
    note = params.note or host.active_note
    if note is None:
        raise JsonRpcInvalidParams("Name a note ('note') or a recorded event ('event').")
    path = _path(ls, host, note)
    if engine.read_note(path) is None:
        raise JsonRpcInvalidParams(f"There is no note {path!r} in the vault.")
    async with engine.planning:  # it reads the view runs plan with
        event = await asyncio.to_thread(made_up_event, engine, loaded, path)
    return loaded, await dry_run(engine, loaded, event, check_trigger=False)


def describe_dry_run(loaded: LoadedRule, preview: Preview) -> str:
    """A dry run in one message, for editors that only show messages."""
    where = preview.event.subject
    head = f"Dry run of '{loaded.name}' on {where}"
    if not preview.matched or not preview.ran:
        return f"{head}: it would not run ({preview.reason})."
    if preview.error is not None:
        return f"{head}: it would fail: {preview.error}."
    if not preview.changes and not preview.messages and not preview.events:
        return f"{head}: it would run and change nothing."
    parts = [f"{c.path} ({c.summary})" for c in preview.changes]
    text = f"{head}: it would change {len(parts)} note(s): " + "; ".join(parts)
    if preview.events:
        text += "; emit " + ", ".join(short_event_name(e["type"]) for e in preview.events)
    if preview.messages:
        text += "; say: " + " / ".join(preview.messages)
    return text + ". Nothing was written."


async def explain(
    engine: AutomationEngine, host: VaultHost, params: ExplainParams
) -> ExplainResult:
    """Why rules did or did not run, newest first."""
    assert engine.runs is not None and host.session is not None
    await engine.commit_near_misses()
    entries = await engine.runs.explain(params.event, params.rule, params.subject, params.limit)
    if params.event is not None:
        event = await host.session.events.get(params.event)
        if event is None and not entries:
            raise JsonRpcInvalidParams(f"There is no event {params.event!r} in the log.")
        if event is not None:
            told = {e.rule for e in entries}
            entries += quiet_entries(engine.rules(), event, told, params.rule)
    return ExplainResult(entries=entries)


async def status(ls: VesperaServer, host: VaultHost) -> AutomationStatus:
    """The automation of ``host`` now and today."""
    engine = host.automation
    held = automation_held(ls.settings)
    out = AutomationStatus(vault=host.uri, enabled=held is None and engine is not None, held=held)
    if engine is None or engine.runs is None or host.session is None:
        return out
    for loaded in engine.rules():
        rule = loaded.rule
        breaker = engine.limits.state(loaded.id, rule) if rule is not None else "closed"
        reason = loaded.disabled_reason
        if reason is None and breaker == "open":
            reason = "paused after failing (its breaker is open)"
        out.rules.append(
            RuleState(
                rule=loaded.id,
                name=loaded.name,
                file=loaded.file,
                active=loaded.runnable and breaker != "open",
                enabled=loaded.enabled,
                reason=reason,
                override=loaded.override,
                breaker=breaker,
                mode=rule.mode if rule is not None else "queued",
            )
        )
    out.open_breakers = [r.rule for r in out.rules if r.breaker == "open"]
    midnight = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT00:00:00Z")
    log = host.session.events
    out.events_today = await log.head() - await log.since_time(midnight)
    out.outcomes_today, out.stops_today = await engine.runs.today()
    out.runs_today = sum(out.outcomes_today.values())
    out.failures_today = out.outcomes_today.get("failed", 0)
    out.loop_stops_today = out.stops_today.get("loop", 0)
    out.running = engine.dispatch.running()
    return out


def rule_lenses(host: VaultHost, path: str, text: str) -> list[lsp.CodeLens]:
    """A rule file's lenses: dry-run each rule on the active note, replay it over the week."""
    engine = host.automation
    if engine is None:
        return []
    parsed = parse_rule_file(path, text, engine.renderer, engine.codex)
    out: list[lsp.CodeLens] = []
    for loaded in parsed.rules:
        if loaded.rule is None:
            continue
        line = loaded.name_range.start_line
        where = lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0))
        target = {"vault": host.uri, "rule": loaded.id, "file": path}
        out.append(
            lsp.CodeLens(
                where,
                lsp.Command(
                    title="▶ Dry-run on the active note",
                    command=RULES_DRY_RUN_COMMAND,
                    arguments=[target],
                ),
            )
        )
        out.append(
            lsp.CodeLens(
                where,
                lsp.Command(
                    title=f"↺ Replay the last {REPLAY_DAYS} days",
                    command=RULES_REPLAY_COMMAND,
                    arguments=[target],
                ),
            )
        )
    return out


def _source(host: VaultHost, target: dict[str, Any]) -> dict[str, Any]:
    """A lens's target with the rule file's text as the editor has it (unsaved edits too)."""
    out = dict(target)
    path = str(target.get("file") or "")
    doc = host.documents.get(path)
    if doc is not None:
        out["text"] = doc.text
    return out


def register(server: VesperaServer) -> None:
    """Wire dry runs, replays, explanations, switches, status and the rule file lenses."""

    @server.feature(RULES_DRY_RUN)
    async def dry_run_request(ls: VesperaServer, raw: Any) -> dict[str, Any]:
        """What a rule would do for a note or a recorded event; nothing is written."""
        params = params_of(raw, DryRunParams)
        loaded, preview = await run_dry_run(ls, host_of(ls, params.vault), params)
        return msgspec.to_builtins(dry_run_result(loaded, preview))  # type: ignore[no-any-return]

    @server.feature(RULES_REPLAY)
    async def replay_request(ls: VesperaServer, raw: Any) -> dict[str, Any]:
        """What a rule would have done over the recorded events of a time range."""
        params = params_of(raw, ReplayParams)
        host = host_of(ls, params.vault)
        engine = _engine(host)
        loaded = rule_of(engine, params)
        try:
            report = await replay(engine, loaded, params.since, params.until, params.limit)
        except ValueError as exc:
            raise JsonRpcInvalidParams(f"Cannot replay: {exc}.") from None
        result = ReplayResult(
            rule=loaded.id,
            summary=report.summary(),
            scanned=report.scanned,
            considered=report.considered,
            fired=report.fired,
            runs=[dry_run_result(loaded, p) for p in report.previews],
            not_taken=report.not_taken,
            truncated=report.truncated,
        )
        return msgspec.to_builtins(result)  # type: ignore[no-any-return]

    @server.feature(RULES_SET_ENABLED)
    async def set_enabled(ls: VesperaServer, raw: Any) -> dict[str, Any]:
        """Switch a rule on or off, on this machine or in its rule file."""
        params = params_of(raw, SetEnabledParams)
        engine = _engine(host_of(ls, params.vault))
        try:
            loaded = await engine.set_enabled(params.rule, params.enabled, params.scope)
        except (KeyError, ValueError, RuntimeError) as exc:  # a write refused, or in conflict
            message = exc.args[0] if exc.args else str(exc)
            raise JsonRpcInvalidParams(f"Cannot switch the rule: {message}.") from None
        result = SetEnabledResult(
            rule=loaded.id,
            enabled=loaded.runnable,
            source="machine" if loaded.override is not None else "file",
        )
        return msgspec.to_builtins(result)  # type: ignore[no-any-return]

    @server.feature(RUNS_EXPLAIN)
    async def explain_request(ls: VesperaServer, raw: Any) -> dict[str, Any]:
        """Why rules did or did not run for an event, a rule, or a rule on a note."""
        params = params_of(raw, ExplainParams)
        host = host_of(ls, params.vault)
        result = await explain(_engine(host), host, params)
        return msgspec.to_builtins(result)  # type: ignore[no-any-return]

    @server.feature(AUTOMATION_STATUS)
    async def status_request(ls: VesperaServer, raw: Any) -> dict[str, Any]:
        """The rules active and disabled, today's counts, stops and open breakers."""
        params = params_of(raw, AutomationStatusParams)
        result = await status(ls, host_of(ls, params.vault))
        return msgspec.to_builtins(result)  # type: ignore[no-any-return]

    @server.command(RULES_DRY_RUN_COMMAND)
    async def dry_run_command(ls: VesperaServer, *args: Any) -> dict[str, Any]:
        """Dry-run a rule on the note named in the arguments, or on the active note."""
        target = args[0] if args and isinstance(args[0], dict) else {}
        host = host_of(ls, target.get("vault"))
        params = params_of(_source(host, target), DryRunParams)
        loaded, preview = await run_dry_run(ls, host, params)
        ls.window_show_message(
            lsp.ShowMessageParams(
                type=lsp.MessageType.Info, message=describe_dry_run(loaded, preview)
            )
        )
        return msgspec.to_builtins(dry_run_result(loaded, preview))  # type: ignore[no-any-return]

    @server.command(RULES_REPLAY_COMMAND)
    async def replay_command(ls: VesperaServer, *args: Any) -> dict[str, Any]:
        """Replay a rule over the last week and say what it would have done."""
        target = args[0] if args and isinstance(args[0], dict) else {}
        host = host_of(ls, target.get("vault"))
        since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=REPLAY_DAYS)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        params = params_of({**_source(host, target), "since": since}, ReplayParams)
        engine = _engine(host)
        loaded = rule_of(engine, params)
        try:
            report = await replay(engine, loaded, params.since)
        except ValueError as exc:
            raise JsonRpcInvalidParams(f"Cannot replay: {exc}.") from None
        ls.window_show_message(
            lsp.ShowMessageParams(type=lsp.MessageType.Info, message=report.summary())
        )
        return {"summary": report.summary(), "fired": report.fired, "scanned": report.scanned}
