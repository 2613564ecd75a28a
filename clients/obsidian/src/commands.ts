// The plugin's commands (the command palette): dry-run, replay, explain, status, search, undo,
// restart, and the views.
import { Notice, SuggestModal, type App, type Command } from "obsidian";
import {
  AUTOMATION_STATUS,
  RULES_DRY_RUN,
  RULES_REPLAY,
  RUNS_EXPLAIN,
  RUNS_LIST,
  SEARCH,
  SEMANTIC_STATUS,
  type RelatedItem,
  type RuleState,
  type VesperaApi,
} from "@vespera/protocol";
import { dryRunMarkdown, explainMarkdown, replayMarkdown, statusMarkdown, undoable } from "@vespera/client-core";
import type { Bridge } from "./bridge";
import { choose, MarkdownModal } from "./modals";
import type { RunActions } from "./runActions";
import { PROBLEMS_VIEW, RELATED_VIEW, RUNS_VIEW } from "./views";

export interface CommandHost {
  app: App;
  bridge: Bridge;
  actions: RunActions;
  activePath(): string | undefined;
  openNote(path: string): Promise<void>;
  showView(type: string): Promise<void>;
  restart(): Promise<void>;
}

function running(bridge: Bridge): VesperaApi | undefined {
  if (!bridge.api) new Notice(`Vespera is not running${bridge.problem ? `: ${bridge.problem.message}` : "."}`);
  return bridge.api;
}

function activeNote(host: CommandHost): string | undefined {
  const path = host.activePath();
  if (!path?.endsWith(".md")) new Notice("Vespera: open a note first.");
  return path?.endsWith(".md") ? path : undefined;
}

async function pickRule(host: CommandHost, api: VesperaApi, placeholder: string): Promise<RuleState | undefined> {
  const status = await api.request(AUTOMATION_STATUS, { vault: host.bridge.locations.folderUri });
  const rules = status.rules ?? [];
  if (!rules.length) {
    new Notice("Vespera: this vault has no rules (.vespera/rules/*.yaml).");
    return undefined;
  }
  return choose(
    host.app,
    placeholder,
    rules.map((rule) => ({
      label: rule.name,
      detail: `${rule.rule} · ${rule.file}${rule.active ? "" : ` · off: ${rule.reason ?? "switched off"}`}`,
      value: rule,
    })),
  );
}

async function dryRun(host: CommandHost): Promise<void> {
  const api = running(host.bridge);
  const path = api && activeNote(host);
  if (!api || !path) return;
  const rule = await pickRule(host, api, "Dry-run which rule on this note?");
  if (!rule) return;
  const vault = host.bridge.locations.folderUri;
  const result = await api.request(RULES_DRY_RUN, { vault, rule: rule.rule, note: host.bridge.locations.uri(path) });
  new MarkdownModal(host.app, `Dry run of ${rule.name}`, dryRunMarkdown(result, path)).open();
}

async function replay(host: CommandHost): Promise<void> {
  const api = running(host.bridge);
  if (!api) return;
  const rule = await pickRule(host, api, "Replay which rule over the event log?");
  if (!rule) return;
  const days = await choose(host.app, "Over which stretch of the log?", [
    { label: "The last day", value: 1 },
    { label: "The last 7 days", value: 7 },
    { label: "The last 30 days", value: 30 },
    { label: "The whole log", value: 0 },
  ]);
  if (days === undefined) return;
  const since = days ? new Date(Date.now() - days * 86_400_000).toISOString() : null;
  const result = await api.request(RULES_REPLAY, { vault: host.bridge.locations.folderUri, rule: rule.rule, since });
  new MarkdownModal(host.app, `Replay of ${rule.name}`, replayMarkdown(result, days ? `the last ${days} day(s)` : "the whole log")).open();
}

async function explain(host: CommandHost): Promise<void> {
  const api = running(host.bridge);
  const path = api && activeNote(host);
  if (!api || !path) return;
  const vault = host.bridge.locations.folderUri;
  const status = await api.request(AUTOMATION_STATUS, { vault });
  const rule = await choose<string | null>(host.app, "Explain which rule on this note?", [
    { label: "Every rule", value: null },
    ...(status.rules ?? []).map((r) => ({ label: r.name, detail: r.rule, value: r.rule })),
  ]);
  if (rule === undefined) return;
  const result = await api.request(RUNS_EXPLAIN, { vault, rule, subject: path, limit: 30 });
  new MarkdownModal(host.app, "Why rules did or did not fire", explainMarkdown(result.entries ?? [], `${rule ?? "every rule"} on ${path}`, status)).open();
}

async function status(host: CommandHost): Promise<void> {
  const { bridge } = host;
  const api = bridge.api;
  const vault = bridge.locations.folderUri;
  const ask = async <T>(call: () => Promise<T>) => call().catch(() => undefined);
  const text = statusMarkdown(
    [
      {
        name: host.app.vault.getName(),
        index: bridge.status,
        automation: api ? await ask(() => api.request(AUTOMATION_STATUS, { vault })) : undefined,
        semantic: api ? await ask(() => api.request(SEMANTIC_STATUS, { vault })) : undefined,
      },
    ],
    true,
  );
  const down = api ? "" : `\n> The server is not running${bridge.problem ? `: ${bridge.problem.message} ${bridge.problem.fix}` : "."}\n`;
  new MarkdownModal(host.app, "Vespera status", text + down).open();
}

/** Search by meaning: asks the sidecar as the writer types, opens the note chosen. */
export class SearchModal extends SuggestModal<RelatedItem> {
  private asked = 0;

  constructor(private readonly host: CommandHost) {
    super(host.app);
    this.setPlaceholder("Describe what you are looking for (by meaning, not exact words)");
  }

  async getSuggestions(query: string): Promise<RelatedItem[]> {
    const api = this.host.bridge.api;
    if (!api || !query.trim()) return [];
    const mine = ++this.asked;
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (mine !== this.asked) return [];
    const result = await api.request(SEARCH, { vault: this.host.bridge.locations.folderUri, text: query, limit: 20 });
    return result.items;
  }

  renderSuggestion(item: RelatedItem, el: HTMLElement): void {
    el.createDiv({ text: `${item.title} · ${Math.round(item.score * 100)}%` });
    el.createEl("small", { text: `${item.path} · ${item.reasons.join(" · ")}` });
  }

  onChooseSuggestion(item: RelatedItem): void {
    void this.host.openNote(item.path);
  }
}

async function undoLast(host: CommandHost): Promise<void> {
  const api = running(host.bridge);
  if (!api) return;
  const page = await api.request(RUNS_LIST, { vault: host.bridge.locations.folderUri, limit: 20 });
  const last = page.runs.find(undoable);
  if (!last) {
    new Notice("Vespera: no recent automation run changed a note.");
    return;
  }
  await host.actions.undo([last.run], `"${last.ruleName}" on ${last.subject} (${last.changes} change(s))`);
}

function guarded(name: string, fn: () => Promise<void>): () => void {
  return () =>
    void fn().catch((error: unknown) => new Notice(`Vespera (${name}): ${error instanceof Error ? error.message : String(error)}`));
}

/** Every command of the plugin. */
export function commands(host: CommandHost): Command[] {
  const table: [string, string, () => Promise<void>][] = [
    ["dry-run-rule", "Dry-run a rule on the active note", () => dryRun(host)],
    ["replay-rule", "Replay a rule over the event log", () => replay(host)],
    ["explain-rule", "Explain why a rule did not fire", () => explain(host)],
    ["undo-last-run", "Undo the last automation run", () => undoLast(host)],
    ["show-status", "Show automation status", () => status(host)],
    ["search", "Search the vault by meaning", async () => new SearchModal(host).open()],
    ["restart-server", "Restart the server", () => host.restart()],
    ["open-runs", "Open automation runs", () => host.showView(RUNS_VIEW)],
    ["open-related", "Open related notes", () => host.showView(RELATED_VIEW)],
    ["open-problems", "Open codex problems", () => host.showView(PROBLEMS_VIEW)],
  ];
  return table.map(([id, name, fn]) => ({ id, name, callback: guarded(name, fn) }));
}
