"""The registry of custom messages: method name -> params type (and result type for requests).

Standard LSP features need none of this; custom messages are added here as the sidecar grows,
each with a constant for its method name and msgspec types for its payloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from vespera_protocol.events import Event

PROTOCOL_VERSION = "0.1.0"


@dataclass(frozen=True)
class Message:
    """A custom JSON-RPC method: its kind, its params type and, for requests, its result type."""

    method: str
    kind: Literal["request", "notification"]
    params: type[msgspec.Struct]
    result: type[Any] | None = None
    doc: str = ""


# Filled as custom messages are defined; the schema generator and the tests read it.
MESSAGES: dict[str, Message] = {}

# Commands run through the standard ``workspace/executeCommand``: name -> what it does.
COMMANDS: dict[str, str] = {}

# Keys a client sets to true under ``capabilities.experimental.vespera`` in ``initialize`` to
# receive a custom notification: key -> what it turns on.
CAPABILITIES: dict[str, str] = {}

REINDEX_COMMAND = "vespera.reindex"
COMMANDS[REINDEX_COMMAND] = (
    "Read every note of every vault again (unchanged notes are recognised by hash and not "
    "parsed), reporting $/progress. No arguments; returns null when done."
)


def schema() -> dict[str, Any]:
    """A JSON Schema with one definition per payload type, and the method table."""
    types = [m.params for m in MESSAGES.values()]
    types += [m.result for m in MESSAGES.values() if m.result is not None]
    _, components = msgspec.json.schema_components(types, ref_template="#/$defs/{name}")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Vespera custom protocol",
        "version": PROTOCOL_VERSION,
        "methods": {
            name: {
                "kind": m.kind,
                "params": m.params.__name__,
                "result": getattr(m.result, "__name__", None),
                "description": m.doc,
            }
            for name, m in sorted(MESSAGES.items())
        },
        "commands": dict(sorted(COMMANDS.items())),
        "capabilities": dict(sorted(CAPABILITIES.items())),
        "$defs": components,
    }


def _register(message: Message) -> None:
    MESSAGES[message.method] = message


# -- vespera/status ---------------------------------------------------------------------------

STATUS = "vespera/status"
"""Notification, server to client: how a vault's index stands.

Sent only to clients that ask for it in ``initialize`` with the experimental capability
``{"vespera": {"status": true}}`` (see :data:`STATUS_CAPABILITY`); standard LSP clients never
receive a message they do not know.
"""

STATUS_CAPABILITY = "status"
"""The key a client sets under ``capabilities.experimental.vespera`` to get ``vespera/status``."""
CAPABILITIES[STATUS_CAPABILITY] = "vespera/status notifications: each vault's index and embeddings."

VaultState = Literal["starting", "indexing", "ready", "unavailable"]
SemanticState = Literal["off", "loading", "embedding", "ready", "paused", "unavailable"]


class StatusParams(msgspec.Struct, kw_only=True):
    """The state of one vault's index, sent whenever it changes."""

    vault: str
    """The vault folder's URI, as the client sent it in ``workspaceFolders``."""
    state: VaultState
    """``starting`` (opening the stores), ``indexing``, ``ready``, or ``unavailable`` (the stores
    could not be opened; ``message`` says why)."""
    notes: int = 0
    """Notes in the index."""
    indexed: int = 0
    """While indexing: notes read so far in this pass."""
    total: int = 0
    """While indexing: notes to read in this pass."""
    problems: int = 0
    """Problems recorded in the index (unreadable files, malformed frontmatter, ...)."""
    message: str = ""
    """A sentence for the user, when there is something to say."""
    semantic: SemanticState = "off"
    """How the embeddings stand: ``off`` (the setting), ``loading`` the model, ``embedding``,
    ``ready``, ``paused``, or ``unavailable`` (no model, or a remote one while the workspace
    is not trusted: ``vespera/semantic/status`` says why)."""
    embedded: int = 0
    """While embedding: notes embedded so far in this pass."""
    pending: int = 0
    """While embedding: notes to embed in this pass."""


_register(
    Message(
        STATUS,
        "notification",
        StatusParams,
        doc="How a vault's index stands; sent to clients that opt in, whenever it changes.",
    )
)


# -- vault events -------------------------------------------------------------------------------

EVENTS_QUERY = "vespera/events/query"
"""Request, client to server: events from a vault's log, filtered and paged by sequence."""
EVENTS_SUBSCRIBE = "vespera/events/subscribe"
"""Request, client to server: receive a vault's events as ``vespera/event`` notifications."""
EVENTS_UNSUBSCRIBE = "vespera/events/unsubscribe"
"""Request, client to server: stop a subscription."""
EVENT = "vespera/event"
"""Notification, server to client: one event of a subscription, in log order."""


class EventFilter(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Which events to take; every given condition must hold, an empty filter takes all."""

    types: list[str] = msgspec.field(default_factory=list)
    """Event types (``tag_changed``), or a prefix ending in ``*`` (``note.*``, ``custom.*``)."""
    subject: str | None = None
    """A note's vault-relative path, or a folder ending in ``/`` for every note under it."""
    actor: str | None = None
    """``user``, ``external``, ``catch-up``, ``automation:<rule>``, or ``automation:*``."""
    since: str | None = None
    """At or after this time (RFC 3339; a date means its midnight UTC)."""
    until: str | None = None
    """Before this time."""
    correlationid: str | None = None
    """Only the events of this cascade."""


class EventQueryParams(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """A query of a vault's event log."""

    vault: str | None = None
    """The vault folder's URI; may be left out when the server serves one vault."""
    filter: EventFilter = msgspec.field(default_factory=EventFilter)
    after: int | None = None
    """Only events after this sequence (the ``next`` of an earlier page, oldest first)."""
    before: int | None = None
    """Only events before this sequence (the ``next`` of an earlier page, newest first)."""
    limit: int = 100
    """At most this many events (up to 10,000)."""
    newest_first: bool = False
    """Newest first (the last events of the log) instead of oldest first."""


class EventQueryResult(msgspec.Struct, kw_only=True):
    """One page of events, each a CloudEvents 1.0 event with its ``sequence``."""

    events: list[Event]
    next: int | None = None
    """Pass as ``after`` (or ``before``, newest first) for the next page; null: no more."""
    head: int = 0
    """The log's last sequence when the query ran."""


class SubscribeParams(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A subscription to a vault's events."""

    vault: str | None = None
    """The vault folder's URI; may be left out when the server serves one vault."""
    filter: EventFilter = msgspec.field(default_factory=EventFilter)
    after: int | None = None
    """Replay the events after this sequence first (a client that reconnects passes the last
    sequence it received, and misses nothing); by default only new events are sent."""


class SubscribeResult(msgspec.Struct, kw_only=True):
    """A subscription's id, named in each of its ``vespera/event`` notifications."""

    subscription: str
    start: int
    """Where the subscription starts: it sends every matching event after this sequence."""
    head: int
    """The log's last sequence when the subscription started (events up to it are replayed
    first when ``after`` was given)."""


class UnsubscribeParams(msgspec.Struct, kw_only=True):
    """Which subscription to end."""

    subscription: str


class EventParams(msgspec.Struct, kw_only=True):
    """One event of a subscription; subscriptions receive events in sequence order, once."""

    subscription: str
    event: Event
    """A CloudEvents 1.0 event, with its ``sequence``."""


for _message in (
    Message(
        EVENTS_QUERY,
        "request",
        EventQueryParams,
        EventQueryResult,
        doc="Events from a vault's log: filtered by type, subject, actor, time or cascade, "
        "paged by sequence.",
    ),
    Message(
        EVENTS_SUBSCRIBE,
        "request",
        SubscribeParams,
        SubscribeResult,
        doc="Receive a vault's events matching a filter as vespera/event notifications, "
        "optionally replaying those after a sequence first.",
    ),
    Message(
        EVENTS_UNSUBSCRIBE,
        "request",
        UnsubscribeParams,
        None,
        doc="End a subscription; returns null.",
    ),
    Message(
        EVENT,
        "notification",
        EventParams,
        doc="One event of a subscription, in log order.",
    ),
):
    _register(_message)


# -- automation ---------------------------------------------------------------------------------

AUTOMATION_RESULT = "vespera/automationResult"
"""Notification, server to client: what one automation run did.

Sent to clients that ask for it in ``initialize`` with ``{"vespera": {"automationResult":
true}}`` (see :data:`AUTOMATION_CAPABILITY`). Other clients get ``window/showMessage`` for the
messages of ``notify`` actions only (the ``automationMessages`` setting can turn that off).
"""
AUTOMATION_CAPABILITY = "automationResult"
"""The key a client sets under ``capabilities.experimental.vespera`` to get automation results."""
CAPABILITIES[AUTOMATION_CAPABILITY] = (
    "vespera/automationResult notifications, one per automation run (instead of the window "
    "messages of notify actions)."
)
RUNS_LIST = "vespera/runs/list"
"""Request, client to server: the latest automation runs, newest first."""
RUNS_GET = "vespera/runs/get"
"""Request, client to server: one run's whole trace."""
RUNS_UNDO = "vespera/runs/undo"
"""Request, client to server: put back what a run wrote (the run id is in its result)."""

RunOutcome = Literal["succeeded", "partial", "failed", "skipped", "stopped"]


class RunChange(msgspec.Struct, kw_only=True):
    """One note a run changed."""

    path: str
    kind: Literal["created", "modified"]
    summary: str
    """What changed, in a few words (``set music``, ``created``)."""


class RunMessage(msgspec.Struct, kw_only=True):
    """A message a ``notify`` action left for the writer."""

    message: str
    level: Literal["info", "warning", "error"] = "info"


class AutomationResultParams(msgspec.Struct, kw_only=True, rename="camel"):
    """The result of one automation run."""

    vault: str
    """The vault folder's URI."""
    run: str
    """The run's id; ``vespera/runs/get`` returns its trace."""
    rule: str
    """The rule's id."""
    rule_name: str
    event: Event
    """The event that started the run."""
    outcome: RunOutcome
    """``succeeded``; ``partial`` (an action failed with ``continue_on_error``); ``failed``;
    ``skipped`` (its conditions did not hold); ``stopped`` (loop safety stopped it before it
    ran: ``error`` says why)."""
    changes: list[RunChange] = msgspec.field(default_factory=list)
    messages: list[RunMessage] = msgspec.field(default_factory=list)
    emitted: list[str] = msgspec.field(default_factory=list)
    """The types of the events the run emitted."""
    duration_ms: float = 0.0
    error: str | None = None
    """Why the run failed, when it did."""
    stop: str | None = None
    """Why a ``stopped`` run stopped: ``loop``, ``rate``, ``breaker`` or ``mode``."""


class RunsListParams(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Which runs to list."""

    vault: str | None = None
    """The vault folder's URI; may be left out when the server serves one vault."""
    rule: str | None = None
    """Only the runs of this rule."""
    subject: str | None = None
    """Only runs started by events about this note (a vault-relative path)."""
    outcome: RunOutcome | None = None
    before: str | None = None
    """Only runs older than this run id (the ``next`` of an earlier page)."""
    limit: int = 50


class RunSummary(msgspec.Struct, kw_only=True, rename="camel"):
    """One run, in a list."""

    run: str
    rule: str
    rule_name: str
    event_type: str
    subject: str
    outcome: RunOutcome
    started: str
    """When it started, RFC 3339 in UTC."""
    duration_ms: float
    changes: int


class RunsListResult(msgspec.Struct, kw_only=True):
    """A page of runs, newest first."""

    runs: list[RunSummary]
    next: str | None = None
    """Pass as ``before`` for the next page; null: no more."""


class RunsGetParams(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Which run's trace to return."""

    run: str
    vault: str | None = None


class UndoConflict(msgspec.Struct, kw_only=True):
    """A note an undo left as it is, and why."""

    path: str
    reason: str


class RunRollback(msgspec.Struct, kw_only=True):
    """What putting back a failed run's writes did (its ``writes`` keep only what stayed)."""

    restored: list[str] = msgspec.field(default_factory=list)
    deleted: list[str] = msgspec.field(default_factory=list)
    """Notes the run had created."""
    conflicts: list[UndoConflict] = msgspec.field(default_factory=list)
    """Notes changed since the run wrote them: left as they are."""


class RunTrace(msgspec.Struct, kw_only=True, rename="camel"):
    """A run's whole trace: the event, the rule's version, each condition and each action."""

    run: str
    rule: str
    rule_name: str
    rule_version: str
    rule_file: str
    event: Event
    outcome: RunOutcome
    started: str
    duration_ms: float
    conditions: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """Each condition tested, in order: ``{"condition": ..., "value": true}``."""
    actions: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """Each action: its type, label, rendered inputs, result or error, time, nested steps."""
    changes: list[RunChange] = msgspec.field(default_factory=list)
    writes: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """Each note written: path, the text before (null: created) and after; for undoing."""
    messages: list[RunMessage] = msgspec.field(default_factory=list)
    emitted: list[dict[str, str]] = msgspec.field(default_factory=list)
    """The events the run emitted: their ``id`` and ``type``."""
    attempts: int = 1
    """How many times it was planned (a note changed under it is planned again)."""
    depth: int = 1
    """Its place in a cascade: 1 for a run started by a person's change, 2 for a run started
    by that run's changes, and so on."""
    error: str | None = None
    undone_by: str | None = None
    """The id of the undo that put the run's writes back, once undone."""
    rollback: RunRollback | None = None
    """Set when the run failed after writing notes and its writes were put back."""
    stop: str | None = None
    """Why a ``stopped`` run was stopped: ``loop`` (loop safety), ``rate`` (a rate limit),
    ``breaker`` (the rule is paused after failing) or ``mode`` (its run mode dropped it)."""


class RunsUndoParams(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Which run to undo."""

    run: str
    vault: str | None = None


class RunsUndoResult(msgspec.Struct, kw_only=True):
    """What undoing a run did: notes put back, notes deleted (the run created them), conflicts."""

    undo: str
    """The undo's own id (the cause of its changes' events)."""
    run: str
    restored: list[str] = msgspec.field(default_factory=list)
    deleted: list[str] = msgspec.field(default_factory=list)
    conflicts: list[UndoConflict] = msgspec.field(default_factory=list)


RULES_DRY_RUN_COMMAND = "vespera.rules.dryRun"
COMMANDS[RULES_DRY_RUN_COMMAND] = (
    "Dry-run a rule on the active note (or the note named) and show what it would do as a "
    "message; answers as vespera/rules/dryRun does. Argument: {vault, rule, file, note?} "
    "(the code lens of rule files sends it; the rule file's unsaved text is used)."
)
RULES_REPLAY_COMMAND = "vespera.rules.replay"
COMMANDS[RULES_REPLAY_COMMAND] = (
    "Replay a rule over the last 7 days of the event log and show a summary as a message. "
    "Argument: {vault, rule, file} (the code lens of rule files sends it)."
)

RULES_DRY_RUN = "vespera/rules/dryRun"
"""Request, client to server: what a rule would do for a note or a recorded event."""
RULES_REPLAY = "vespera/rules/replay"
"""Request, client to server: what a rule would have done over a stretch of the event log."""
RULES_SET_ENABLED = "vespera/rules/setEnabled"
"""Request, client to server: switch a rule on or off (on this machine, or in its file)."""
RUNS_EXPLAIN = "vespera/runs/explain"
"""Request, client to server: why rules did or did not run for an event, a rule or a note."""
AUTOMATION_STATUS = "vespera/automation/status"
"""Request, client to server: the automation's rules, today's counts, stops and breakers."""


class RuleSource(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Which rule: a loaded one by id, or one from a rule file's text (unsaved edits)."""

    vault: str | None = None
    rule: str | None = None
    """The rule's id; with ``text``, which rule of the text (its first if unset)."""
    text: str | None = None
    """A rule file's text, as the editor has it."""
    file: str | None = None
    """The vault-relative path of the rule file ``text`` comes from."""


class DryRunParams(RuleSource, kw_only=True, omit_defaults=True):
    """A rule, and what to try it on: a note (as if it had just become what it is) or an
    event of the log."""

    note: str | None = None
    """A note's vault-relative path (or its URI)."""
    event: str | None = None
    """A recorded event's id."""


class PlannedChange(msgspec.Struct, kw_only=True):
    """A note a dry run would write."""

    path: str
    kind: Literal["created", "modified"]
    summary: str
    diff: str
    """A unified diff of its text."""


class DryRunResult(msgspec.Struct, kw_only=True, rename="camel"):
    """What a rule would do; nothing was written."""

    rule: str
    rule_name: str
    event: Event
    """The event it was tried on (made up from the note when a note was given)."""
    matched: bool
    """Whether its trigger takes the event."""
    ran: bool
    """Whether its conditions hold (it would run)."""
    reason: str | None = None
    """Why it would not run: the filter or condition that stops it."""
    error: str | None = None
    """Why the run would fail."""
    conditions: list[dict[str, Any]] = msgspec.field(default_factory=list)
    actions: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """Each action (or chain step) as a trace shows it."""
    changes: list[PlannedChange] = msgspec.field(default_factory=list)
    messages: list[str] = msgspec.field(default_factory=list)
    events: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """The events it would emit: type, subject, data."""


class ReplayParams(RuleSource, kw_only=True, omit_defaults=True):
    """A rule and a stretch of the log (RFC 3339 times or dates; all of it if unset)."""

    since: str | None = None
    until: str | None = None
    limit: int = 100_000
    """The most recorded events to read."""


class ReplayResult(msgspec.Struct, kw_only=True, rename="camel"):
    """What a rule would have done over the log."""

    rule: str
    summary: str
    """One sentence: "This rule would have fired 12 times over 840 recorded events..."."""
    scanned: int
    considered: int
    """Events of a type it listens for."""
    fired: int
    runs: list[DryRunResult] = msgspec.field(default_factory=list)
    """The first 200 events it would have fired on, oldest first."""
    not_taken: dict[str, int] = msgspec.field(default_factory=dict)
    """Events of its type it would not have fired on, counted by reason."""
    truncated: bool = False


class SetEnabledParams(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Switch a rule on or off."""

    rule: str
    enabled: bool | None = None
    """``None`` (with ``scope: machine``) drops this machine's override."""
    vault: str | None = None
    scope: Literal["machine", "file"] = "machine"
    """``machine``: an override kept outside the vault, for this machine only; ``file``: the
    rule file's ``enabled`` key (a change every copy of the vault gets)."""


class SetEnabledResult(msgspec.Struct, kw_only=True):
    """The rule's state now."""

    rule: str
    enabled: bool
    """Whether it runs now."""
    source: Literal["file", "machine"]
    """What decides it: the rule file, or this machine's override."""


class ExplainParams(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What to explain: one event, or the latest of a rule (on a note)."""

    vault: str | None = None
    event: str | None = None
    rule: str | None = None
    subject: str | None = None
    limit: int = 20


class ExplainEntry(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """What one rule did with one event, and why."""

    event: str
    event_type: str
    subject: str
    time: str
    rule: str
    stage: str
    """``ran`` (with its outcome), ``trigger`` (a filter turned the event away), ``conditions``,
    ``loop``, ``rate``, ``breaker``, ``mode``, ``own-change``, ``superseded``, ``untrusted``
    (the workspace is not trusted, so no rule runs), ``switched-off`` (the ``automation``
    setting is off), ``disabled`` or ``not-listening`` (the
    rule does not listen for the event's type)."""
    reason: str
    run: str | None = None
    """The run's id when there is a trace."""


class ExplainResult(msgspec.Struct, kw_only=True):
    """Newest first."""

    entries: list[ExplainEntry] = msgspec.field(default_factory=list)


class RuleState(msgspec.Struct, kw_only=True, rename="camel"):
    """One rule as the automation holds it."""

    rule: str
    name: str
    file: str
    active: bool
    """Whether it runs (valid, switched on, its breaker not open)."""
    enabled: bool
    reason: str | None = None
    """Why it does not run."""
    override: bool | None = None
    """This machine's override of ``enabled``, if any."""
    breaker: str = "closed"
    mode: str = "queued"


class AutomationStatusParams(msgspec.Struct, kw_only=True, omit_defaults=True):
    vault: str | None = None


class AutomationStatus(msgspec.Struct, kw_only=True, rename="camel"):
    """The automation of one vault, now and today (UTC)."""

    vault: str
    enabled: bool
    """Whether the automation runs at all (the ``automation`` setting, and the workspace's
    trust: the ``trusted`` setting)."""
    held: str | None = None
    """Why no rule runs, in words, when ``enabled`` is false."""
    rules: list[RuleState] = msgspec.field(default_factory=list)
    events_today: int = 0
    runs_today: int = 0
    outcomes_today: dict[str, int] = msgspec.field(default_factory=dict)
    failures_today: int = 0
    loop_stops_today: int = 0
    stops_today: dict[str, int] = msgspec.field(default_factory=dict)
    """Stopped runs today by why: loop, rate, breaker, mode."""
    open_breakers: list[str] = msgspec.field(default_factory=list)
    running: int = 0
    """Runs under way now."""


for _message in (
    Message(
        RULES_DRY_RUN,
        "request",
        DryRunParams,
        DryRunResult,
        doc="What a rule would do for a note or a recorded event, as diffs; writes nothing.",
    ),
    Message(
        RULES_REPLAY,
        "request",
        ReplayParams,
        ReplayResult,
        doc="Dry-run a rule over the recorded events of a time range.",
    ),
    Message(
        RULES_SET_ENABLED,
        "request",
        SetEnabledParams,
        SetEnabledResult,
        doc="Switch a rule on or off, on this machine or in its rule file.",
    ),
    Message(
        RUNS_EXPLAIN,
        "request",
        ExplainParams,
        ExplainResult,
        doc="Why each rule did or did not run: the filter, condition, limit or mode.",
    ),
    Message(
        AUTOMATION_STATUS,
        "request",
        AutomationStatusParams,
        AutomationStatus,
        doc="Rules active and disabled with reasons; today's events, runs, failures and stops.",
    ),
    Message(
        AUTOMATION_RESULT,
        "notification",
        AutomationResultParams,
        doc="What one automation run did: its rule, event, outcome, changes and messages.",
    ),
    Message(
        RUNS_LIST,
        "request",
        RunsListParams,
        RunsListResult,
        doc="The latest automation runs, newest first, filtered by rule, note or outcome.",
    ),
    Message(RUNS_GET, "request", RunsGetParams, RunTrace, doc="One automation run's trace."),
    Message(
        RUNS_UNDO,
        "request",
        RunsUndoParams,
        RunsUndoResult,
        doc="Put back the notes a run wrote, except those changed since (reported as conflicts).",
    ),
):
    _register(_message)


# -- semantic layer ------------------------------------------------------------------------------

RELATED = "vespera/related"
"""Request, client to server: notes related to a note, a selection, or free text."""
SEARCH = "vespera/search"
"""Request, client to server: free-text semantic search over a vault, no open note needed."""
SEMANTIC_STATUS = "vespera/semantic/status"
"""Request, client to server: how a vault's embeddings stand (model, counts, paused)."""
SEMANTIC_SET_PAUSED = "vespera/semantic/setPaused"
"""Request, client to server: pause or resume embedding a vault."""

OPEN_NOTE_COMMAND = "vespera.openNote"
COMMANDS[OPEN_NOTE_COMMAND] = (
    "Open a note in the editor (window/showDocument). Argument: {uri} or {vault, path}."
)
RELATED_MORE_COMMAND = "vespera.related.more"
COMMANDS[RELATED_MORE_COMMAND] = (
    "Offer every related note of a note as a choice (window/showMessageRequest) and open the "
    "one chosen. Argument: {vault, path}."
)
SEMANTIC_PAUSE_COMMAND = "vespera.semantic.pause"
COMMANDS[SEMANTIC_PAUSE_COMMAND] = "Pause embedding every vault. No arguments."
SEMANTIC_RESUME_COMMAND = "vespera.semantic.resume"
COMMANDS[SEMANTIC_RESUME_COMMAND] = "Resume embedding every vault. No arguments."


class RelatedFilters(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """Which notes may be shown."""

    types: list[str] = msgspec.field(default_factory=list)
    """Codex types (``character``, ``scene``...); empty for any."""
    tags: list[str] = msgspec.field(default_factory=list)
    """Tags a note must have one of (``mood:*`` for any tag under ``mood:``)."""
    folders: list[str] = msgspec.field(default_factory=list)
    """Vault-relative folders a note must be in."""
    hide_linked: bool = False
    """Leave out notes the note links to or is linked from (for ``vespera/related``)."""


class RelatedParams(RelatedFilters, kw_only=True, omit_defaults=True, rename="camel"):
    """What to find relatives of: a note (``uri``, or ``vault`` and ``path``), a selection of
    it (``range``), or free ``text``."""

    vault: str | None = None
    uri: str | None = None
    path: str | None = None
    range: dict[str, Any] | None = None
    """An LSP range of the note: its text stands for the note."""
    text: str | None = None
    limit: int = 10


class SearchParams(RelatedFilters, kw_only=True, omit_defaults=True, rename="camel"):
    """Free text to search a vault for, by meaning."""

    text: str
    vault: str | None = None
    limit: int = 20


class RelatedItem(msgspec.Struct, kw_only=True, rename="camel"):
    """A note found, its score and why."""

    path: str
    uri: str
    title: str
    type: str
    score: float
    """The weighted sum of ``semantic``, links and shared tags, between 0 and 1."""
    semantic: float
    """Cosine similarity of the nearest passages."""
    shared_tags: list[str]
    link_distance: int | None
    """1 when linked either way, 2 with one note between, null when farther."""
    passage: str
    """The heading of the nearest passage ('' for the whole note)."""
    reasons: list[str]


class RelatedResult(msgspec.Struct, kw_only=True):
    """Notes found, best first, and how the embeddings stood when asked."""

    items: list[RelatedItem]
    state: SemanticState
    message: str = ""
    """Why there are no results, when there is a reason (no model, not embedded yet)."""


class SemanticStatusParams(msgspec.Struct, kw_only=True, omit_defaults=True):
    vault: str | None = None


class SemanticStatus(msgspec.Struct, kw_only=True):
    """How a vault's embeddings stand."""

    vault: str
    state: SemanticState
    model: str
    """What makes the vectors (``local:all-MiniLM-L6-v2:int8:128``, ``ollama:...``)."""
    notes: int
    """Notes in the vault."""
    pending: int
    """Notes waiting to be embedded (or their vectors dropped)."""
    passages: int
    """Vectors stored."""
    paused: bool
    message: str = ""


class SetPausedParams(msgspec.Struct, kw_only=True, omit_defaults=True):
    paused: bool
    vault: str | None = None


for _message in (
    Message(
        RELATED,
        "request",
        RelatedParams,
        RelatedResult,
        doc="Notes related to a note, selection or text: meaning, links and shared tags.",
    ),
    Message(
        SEARCH,
        "request",
        SearchParams,
        RelatedResult,
        doc="Free-text search of a vault by meaning.",
    ),
    Message(
        SEMANTIC_STATUS,
        "request",
        SemanticStatusParams,
        SemanticStatus,
        doc="How a vault's embeddings stand: model, notes pending, vectors, paused.",
    ),
    Message(
        SEMANTIC_SET_PAUSED,
        "request",
        SetPausedParams,
        SemanticStatus,
        doc="Pause or resume embedding a vault.",
    ),
):
    _register(_message)
