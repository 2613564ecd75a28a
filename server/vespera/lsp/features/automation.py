"""Automation runs for editors: ``vespera/runs/list``, ``vespera/runs/get``, ``vespera/runs/undo``.

Every run of a rule leaves a trace (the event, the rule's version, each condition with its
value, each action with its rendered inputs and result); these requests read them, newest
first. Results of new runs reach clients as ``vespera/automationResult`` notifications, sent
from :mod:`vespera.lsp.automation_host`.
"""

from __future__ import annotations

from typing import Any

import msgspec
from pygls.exceptions import JsonRpcInvalidParams

from vespera.automation.runner import AutomationEngine
from vespera.automation.traces import RunStore, summary_of
from vespera.automation.undo import UndoError, undo_run
from vespera.lsp.features.events import host_of, params_of
from vespera.lsp.server import VesperaServer
from vespera_protocol.messages import (
    RUNS_GET,
    RUNS_LIST,
    RUNS_UNDO,
    RunsGetParams,
    RunsListParams,
    RunsListResult,
    RunsUndoParams,
    RunsUndoResult,
    UndoConflict,
)


def _engine(ls: VesperaServer, vault: str | None) -> AutomationEngine:
    host = host_of(ls, vault)
    if host.automation is None or host.automation.runs is None:
        raise JsonRpcInvalidParams(f"The automation of {host.root} is not running yet.")
    return host.automation


def _runs(ls: VesperaServer, vault: str | None) -> RunStore:
    runs = _engine(ls, vault).runs
    assert runs is not None
    return runs


def register(server: VesperaServer) -> None:
    """Wire the run requests."""

    @server.feature(RUNS_LIST)
    async def list_runs(ls: VesperaServer, raw: Any) -> dict[str, Any]:
        """The latest runs, newest first, filtered by rule, note or outcome."""
        params = params_of(raw, RunsListParams)
        traces, more = await _runs(ls, params.vault).list(
            params.rule, params.subject, params.outcome, params.before, params.limit
        )
        result = RunsListResult(runs=[summary_of(t) for t in traces], next=more)
        return msgspec.to_builtins(result)  # type: ignore[no-any-return]

    @server.feature(RUNS_GET)
    async def get_run(ls: VesperaServer, raw: Any) -> dict[str, Any]:
        """One run's whole trace."""
        params = params_of(raw, RunsGetParams)
        trace = await _runs(ls, params.vault).get(params.run)
        if trace is None:
            raise JsonRpcInvalidParams(f"There is no run {params.run!r}.")
        return msgspec.to_builtins(trace)  # type: ignore[no-any-return]

    @server.feature(RUNS_UNDO)
    async def undo(ls: VesperaServer, raw: Any) -> dict[str, Any]:
        """Put back what a run wrote, except notes changed since (reported as conflicts)."""
        params = params_of(raw, RunsUndoParams)
        try:
            report = await undo_run(_engine(ls, params.vault), params.run)
        except UndoError as exc:
            raise JsonRpcInvalidParams(f"Cannot undo: {exc}.") from None
        result = RunsUndoResult(
            undo=report.undo,
            run=report.run,
            restored=report.restored,
            deleted=report.deleted,
            conflicts=[UndoConflict(path=p, reason=r) for p, r in report.conflicts],
        )
        return msgspec.to_builtins(result)  # type: ignore[no-any-return]
