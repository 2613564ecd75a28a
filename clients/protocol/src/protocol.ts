// Generated from schemas/protocol.schema.json by `vespera schemas`: do not edit.
// The payloads of Vespera's custom JSON-RPC messages, and their method names.
export const PROTOCOL_VERSION = "0.1.0";

// -- method names --------------------------------------------------------------------------------
/** Rules active and disabled with reasons; today's events, runs, failures and stops. */
export const AUTOMATION_STATUS = "vespera/automation/status";
/** What one automation run did: its rule, event, outcome, changes and messages. */
export const AUTOMATION_RESULT = "vespera/automationResult";
/** One event of a subscription, in log order. */
export const EVENT = "vespera/event";
/** Events from a vault's log: filtered by type, subject, actor, time or cascade, paged by sequence. */
export const EVENTS_QUERY = "vespera/events/query";
/** Receive a vault's events matching a filter as vespera/event notifications, optionally replaying those after a sequence first. */
export const EVENTS_SUBSCRIBE = "vespera/events/subscribe";
/** End a subscription; returns null. */
export const EVENTS_UNSUBSCRIBE = "vespera/events/unsubscribe";
/** Notes related to a note, selection or text: meaning, links and shared tags. */
export const RELATED = "vespera/related";
/** What a rule would do for a note or a recorded event, as diffs; writes nothing. */
export const RULES_DRY_RUN = "vespera/rules/dryRun";
/** Dry-run a rule over the recorded events of a time range. */
export const RULES_REPLAY = "vespera/rules/replay";
/** Switch a rule on or off, on this machine or in its rule file. */
export const RULES_SET_ENABLED = "vespera/rules/setEnabled";
/** Why each rule did or did not run: the filter, condition, limit or mode. */
export const RUNS_EXPLAIN = "vespera/runs/explain";
/** One automation run's trace. */
export const RUNS_GET = "vespera/runs/get";
/** The latest automation runs, newest first, filtered by rule, note or outcome. */
export const RUNS_LIST = "vespera/runs/list";
/** Put back the notes a run wrote, except those changed since (reported as conflicts). */
export const RUNS_UNDO = "vespera/runs/undo";
/** Free-text search of a vault by meaning. */
export const SEARCH = "vespera/search";
/** Pause or resume embedding a vault. */
export const SEMANTIC_SET_PAUSED = "vespera/semantic/setPaused";
/** How a vault's embeddings stand: model, notes pending, vectors, paused. */
export const SEMANTIC_STATUS = "vespera/semantic/status";
/** How a vault's index stands; sent to clients that opt in, whenever it changes. */
export const STATUS = "vespera/status";

// -- commands (workspace/executeCommand) ---------------------------------------------------------
/** Open a note in the editor (window/showDocument). Argument: {uri} or {vault, path}. */
export const OPEN_NOTE_COMMAND = "vespera.openNote";
/** Read every note of every vault again (unchanged notes are recognised by hash and not parsed), reporting $/progress. No arguments; returns null when done. */
export const REINDEX_COMMAND = "vespera.reindex";
/** Offer every related note of a note as a choice (window/showMessageRequest) and open the one chosen. Argument: {vault, path}. */
export const RELATED_MORE_COMMAND = "vespera.related.more";
/** Dry-run a rule on the active note (or the note named) and show what it would do as a message; answers as vespera/rules/dryRun does. Argument: {vault, rule, file, note?} (the code lens of rule files sends it; the rule file's unsaved text is used). */
export const RULES_DRY_RUN_COMMAND = "vespera.rules.dryRun";
/** Replay a rule over the last 7 days of the event log and show a summary as a message. Argument: {vault, rule, file} (the code lens of rule files sends it). */
export const RULES_REPLAY_COMMAND = "vespera.rules.replay";
/** Pause embedding every vault. No arguments. */
export const SEMANTIC_PAUSE_COMMAND = "vespera.semantic.pause";
/** Resume embedding every vault. No arguments. */
export const SEMANTIC_RESUME_COMMAND = "vespera.semantic.resume";

// -- capabilities (initialize: capabilities.experimental.vespera) -------------------------------
/**
 * Keys to set to true under capabilities.experimental.vespera:
 * - automationResult: vespera/automationResult notifications, one per automation run (instead of the window messages of notify actions).
 * - status: vespera/status notifications: each vault's index and embeddings.
 */
export const CAPABILITIES = ["automationResult", "status"] as const;

// -- server settings (initializationOptions, workspace/configuration) ---------------------------
/** Settings of the Vespera language server. */
export interface ServerSettings {
  /** Run the vault's automation rules (.vespera/rules). Off, events are still logged and rules still checked, but none runs. */
  automation?: boolean;
  /** Show the messages of 'notify' actions as window messages to clients that do not take vespera/automationResult. */
  automationMessages?: boolean;
  /** Quiet time after an edit before the note's diagnostics are published. */
  diagnosticsDelayMs?: number;
  /** Quiet time after an edit before an unsaved note's changes become events (saving makes them at once). While the last edit is in a tag, link or field value being typed, only saving does: a half-typed tag never fires a rule. */
  eventsIdleMs?: number;
  /** Quiet time after an edit before the vault's index takes the editor's text (tags, links and backlinks elsewhere follow it then). */
  indexDelayMs?: number;
  /** Most tag or link completions in one answer (the most used or best matching); typing more narrows the list. */
  maxCompletionItems?: number;
  /** Show the 'Related: ...' code lens at the top of each note. */
  relatedLens?: boolean;
  /** Embed the vault's notes in the background and show related notes (code lens, vespera/related, vespera/search). Off saves the memory and CPU the model takes; which model is used is this machine's choice (embeddings.yaml), never the vault's. */
  semantic?: boolean;
  /** Report tags that look like a slip for a tag the vault already uses. */
  tagHygiene?: boolean;
  /** Whether the editor trusts this workspace. When false, automation rules do not run (no automation writes, no pre-hooks on save) and notes are not sent to a remote embedding endpoint (the local model still embeds them). The VS Code extension sets it from the editor's workspace trust and ignores any value in settings files; editors without such a concept leave it true. */
  trusted?: boolean;
}
/** The settings a user sets (the others the editor sets itself). */
export const USER_SETTINGS = ["diagnosticsDelayMs", "indexDelayMs", "eventsIdleMs", "automation", "automationMessages", "semantic", "relatedLens", "tagHygiene", "maxCompletionItems"] as const;

// -- payloads -----------------------------------------------------------------------------------
/** The result of one automation run. */
export interface AutomationResultParams {
  changes?: RunChange[];
  durationMs?: number;
  emitted?: string[];
  error?: string | null;
  event: Event;
  messages?: RunMessage[];
  outcome: "failed" | "partial" | "skipped" | "stopped" | "succeeded";
  rule: string;
  ruleName: string;
  run: string;
  stop?: string | null;
  vault: string;
}

/** The automation of one vault, now and today (UTC). */
export interface AutomationStatus {
  enabled: boolean;
  eventsToday?: number;
  failuresToday?: number;
  held?: string | null;
  loopStopsToday?: number;
  openBreakers?: string[];
  outcomesToday?: Record<string, number>;
  rules?: RuleState[];
  running?: number;
  runsToday?: number;
  stopsToday?: Record<string, number>;
  vault: string;
}

export interface AutomationStatusParams {
  vault?: string | null;
}

/**
 * A rule, and what to try it on: a note (as if it had just become what it is) or an
 * event of the log.
 */
export interface DryRunParams {
  event?: string | null;
  file?: string | null;
  note?: string | null;
  rule?: string | null;
  text?: string | null;
  vault?: string | null;
}

/** What a rule would do; nothing was written. */
export interface DryRunResult {
  actions?: Record<string, unknown>[];
  changes?: PlannedChange[];
  conditions?: Record<string, unknown>[];
  error?: string | null;
  event: Event;
  events?: Record<string, unknown>[];
  matched: boolean;
  messages?: string[];
  ran: boolean;
  reason?: string | null;
  rule: string;
  ruleName: string;
}

/**
 * One event, as the log stores it and editors receive it (CloudEvents 1.0, JSON format).
 *
 * Unset optional attributes are left out of the JSON, as CloudEvents asks; ``datacontenttype``
 * is then left out too, which means JSON by the format's own rule.
 */
export interface Event {
  actor: string;
  causationid?: string | null;
  correlationid: string;
  data?: Record<string, unknown>;
  datacontenttype?: "application/json";
  id: string;
  sequence?: number | null;
  source: string;
  specversion: "1.0";
  subject: string;
  time: string;
  type: string;
}

/** Which events to take; every given condition must hold, an empty filter takes all. */
export interface EventFilter {
  actor?: string | null;
  correlationid?: string | null;
  since?: string | null;
  subject?: string | null;
  types?: string[];
  until?: string | null;
}

/** One event of a subscription; subscriptions receive events in sequence order, once. */
export interface EventParams {
  event: Event;
  subscription: string;
}

/** A query of a vault's event log. */
export interface EventQueryParams {
  after?: number | null;
  before?: number | null;
  filter?: EventFilter;
  limit?: number;
  newestFirst?: boolean;
  vault?: string | null;
}

/** One page of events, each a CloudEvents 1.0 event with its ``sequence``. */
export interface EventQueryResult {
  events: Event[];
  head?: number;
  next?: number | null;
}

/** What one rule did with one event, and why. */
export interface ExplainEntry {
  event: string;
  eventType: string;
  reason: string;
  rule: string;
  run?: string | null;
  stage: string;
  subject: string;
  time: string;
}

/** What to explain: one event, or the latest of a rule (on a note). */
export interface ExplainParams {
  event?: string | null;
  limit?: number;
  rule?: string | null;
  subject?: string | null;
  vault?: string | null;
}

/** Newest first. */
export interface ExplainResult {
  entries?: ExplainEntry[];
}

/** A note a dry run would write. */
export interface PlannedChange {
  diff: string;
  kind: "created" | "modified";
  path: string;
  summary: string;
}

/** A note found, its score and why. */
export interface RelatedItem {
  linkDistance: number | null;
  passage: string;
  path: string;
  reasons: string[];
  score: number;
  semantic: number;
  sharedTags: string[];
  title: string;
  type: string;
  uri: string;
}

/**
 * What to find relatives of: a note (``uri``, or ``vault`` and ``path``), a selection of
 * it (``range``), or free ``text``.
 */
export interface RelatedParams {
  folders?: string[];
  hideLinked?: boolean;
  limit?: number;
  path?: string | null;
  range?: Record<string, unknown> | null;
  tags?: string[];
  text?: string | null;
  types?: string[];
  uri?: string | null;
  vault?: string | null;
}

/** Notes found, best first, and how the embeddings stood when asked. */
export interface RelatedResult {
  items: RelatedItem[];
  message?: string;
  state: "embedding" | "loading" | "off" | "paused" | "ready" | "unavailable";
}

/** A rule and a stretch of the log (RFC 3339 times or dates; all of it if unset). */
export interface ReplayParams {
  file?: string | null;
  limit?: number;
  rule?: string | null;
  since?: string | null;
  text?: string | null;
  until?: string | null;
  vault?: string | null;
}

/** What a rule would have done over the log. */
export interface ReplayResult {
  considered: number;
  fired: number;
  notTaken?: Record<string, number>;
  rule: string;
  runs?: DryRunResult[];
  scanned: number;
  summary: string;
  truncated?: boolean;
}

/** One rule as the automation holds it. */
export interface RuleState {
  active: boolean;
  breaker?: string;
  enabled: boolean;
  file: string;
  mode?: string;
  name: string;
  override?: boolean | null;
  reason?: string | null;
  rule: string;
}

/** One note a run changed. */
export interface RunChange {
  kind: "created" | "modified";
  path: string;
  summary: string;
}

/** A message a ``notify`` action left for the writer. */
export interface RunMessage {
  level?: "error" | "info" | "warning";
  message: string;
}

/** What putting back a failed run's writes did (its ``writes`` keep only what stayed). */
export interface RunRollback {
  conflicts?: UndoConflict[];
  deleted?: string[];
  restored?: string[];
}

/** One run, in a list. */
export interface RunSummary {
  changes: number;
  durationMs: number;
  eventType: string;
  outcome: "failed" | "partial" | "skipped" | "stopped" | "succeeded";
  rule: string;
  ruleName: string;
  run: string;
  started: string;
  subject: string;
}

/** A run's whole trace: the event, the rule's version, each condition and each action. */
export interface RunTrace {
  actions?: Record<string, unknown>[];
  attempts?: number;
  changes?: RunChange[];
  conditions?: Record<string, unknown>[];
  depth?: number;
  durationMs: number;
  emitted?: Record<string, string>[];
  error?: string | null;
  event: Event;
  messages?: RunMessage[];
  outcome: "failed" | "partial" | "skipped" | "stopped" | "succeeded";
  rollback?: RunRollback | null;
  rule: string;
  ruleFile: string;
  ruleName: string;
  ruleVersion: string;
  run: string;
  started: string;
  stop?: string | null;
  undoneBy?: string | null;
  writes?: Record<string, unknown>[];
}

/** Which run's trace to return. */
export interface RunsGetParams {
  run: string;
  vault?: string | null;
}

/** Which runs to list. */
export interface RunsListParams {
  before?: string | null;
  limit?: number;
  outcome?: ("failed" | "partial" | "skipped" | "stopped" | "succeeded") | null;
  rule?: string | null;
  subject?: string | null;
  vault?: string | null;
}

/** A page of runs, newest first. */
export interface RunsListResult {
  next?: string | null;
  runs: RunSummary[];
}

/** Which run to undo. */
export interface RunsUndoParams {
  run: string;
  vault?: string | null;
}

/** What undoing a run did: notes put back, notes deleted (the run created them), conflicts. */
export interface RunsUndoResult {
  conflicts?: UndoConflict[];
  deleted?: string[];
  restored?: string[];
  run: string;
  undo: string;
}

/** Free text to search a vault for, by meaning. */
export interface SearchParams {
  folders?: string[];
  hideLinked?: boolean;
  limit?: number;
  tags?: string[];
  text: string;
  types?: string[];
  vault?: string | null;
}

/** How a vault's embeddings stand. */
export interface SemanticStatus {
  message?: string;
  model: string;
  notes: number;
  passages: number;
  paused: boolean;
  pending: number;
  state: "embedding" | "loading" | "off" | "paused" | "ready" | "unavailable";
  vault: string;
}

export interface SemanticStatusParams {
  vault?: string | null;
}

/** Switch a rule on or off. */
export interface SetEnabledParams {
  enabled?: boolean | null;
  rule: string;
  scope?: "file" | "machine";
  vault?: string | null;
}

/** The rule's state now. */
export interface SetEnabledResult {
  enabled: boolean;
  rule: string;
  source: "file" | "machine";
}

export interface SetPausedParams {
  paused: boolean;
  vault?: string | null;
}

/** The state of one vault's index, sent whenever it changes. */
export interface StatusParams {
  embedded?: number;
  indexed?: number;
  message?: string;
  notes?: number;
  pending?: number;
  problems?: number;
  semantic?: "embedding" | "loading" | "off" | "paused" | "ready" | "unavailable";
  state: "indexing" | "ready" | "starting" | "unavailable";
  total?: number;
  vault: string;
}

/** A subscription to a vault's events. */
export interface SubscribeParams {
  after?: number | null;
  filter?: EventFilter;
  vault?: string | null;
}

/** A subscription's id, named in each of its ``vespera/event`` notifications. */
export interface SubscribeResult {
  head: number;
  start: number;
  subscription: string;
}

/** A note an undo left as it is, and why. */
export interface UndoConflict {
  path: string;
  reason: string;
}

/** Which subscription to end. */
export interface UnsubscribeParams {
  subscription: string;
}

/** Requests, client to server: params and result by method. */
export interface Requests {
  "vespera/automation/status": { params: AutomationStatusParams; result: AutomationStatus };
  "vespera/events/query": { params: EventQueryParams; result: EventQueryResult };
  "vespera/events/subscribe": { params: SubscribeParams; result: SubscribeResult };
  "vespera/events/unsubscribe": { params: UnsubscribeParams; result: null };
  "vespera/related": { params: RelatedParams; result: RelatedResult };
  "vespera/rules/dryRun": { params: DryRunParams; result: DryRunResult };
  "vespera/rules/replay": { params: ReplayParams; result: ReplayResult };
  "vespera/rules/setEnabled": { params: SetEnabledParams; result: SetEnabledResult };
  "vespera/runs/explain": { params: ExplainParams; result: ExplainResult };
  "vespera/runs/get": { params: RunsGetParams; result: RunTrace };
  "vespera/runs/list": { params: RunsListParams; result: RunsListResult };
  "vespera/runs/undo": { params: RunsUndoParams; result: RunsUndoResult };
  "vespera/search": { params: SearchParams; result: RelatedResult };
  "vespera/semantic/setPaused": { params: SetPausedParams; result: SemanticStatus };
  "vespera/semantic/status": { params: SemanticStatusParams; result: SemanticStatus };
}

/** Notifications, server to client: params by method. */
export interface Notifications {
  "vespera/automationResult": AutomationResultParams;
  "vespera/event": EventParams;
  "vespera/status": StatusParams;
}
