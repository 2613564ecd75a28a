// The side views: codex problems with their quick fixes, automation runs, related notes.
import { ItemView, type WorkspaceLeaf } from "obsidian";
import { RELATED, RUNS_LIST, type RelatedResult, type RunSummary } from "@vespera/protocol";
import { undoable } from "@vespera/client-core";
import type { Bridge, Diagnostic } from "./bridge";
import type { RunActions } from "./runActions";

export const PROBLEMS_VIEW = "vespera-problems";
export const RUNS_VIEW = "vespera-runs";
export const RELATED_VIEW = "vespera-related";

export interface CodeAction {
  title: string;
  edit?: unknown;
  command?: { command: string; arguments?: unknown[] };
}

/** What the views need of the plugin. */
export interface ViewHost {
  bridge: Bridge;
  actions: RunActions;
  openNote(path: string, line?: number): Promise<void>;
  quickFixes(path: string, diagnostic: Diagnostic): Promise<CodeAction[]>;
  applyFix(action: CodeAction): Promise<void>;
  activePath(): string | undefined;
}

export abstract class VesperaView extends ItemView {
  constructor(
    leaf: WorkspaceLeaf,
    protected readonly host: ViewHost,
  ) {
    super(leaf);
  }

  private generation = 0;

  async onOpen(): Promise<void> {
    await this.refresh();
  }

  /** Asks, then draws; when refreshes overlap (a burst of runs, a quick switch of notes),
   * only the latest draws. */
  async refresh(): Promise<void> {
    const mine = ++this.generation;
    const draw = await this.gather();
    if (mine !== this.generation) return;
    this.contentEl.empty();
    draw(this.contentEl);
  }

  protected abstract gather(): Promise<Draw>;
}

type Draw = (el: HTMLElement) => void;

const say =
  (text: string): Draw =>
  (el) =>
    void el.createDiv({ cls: "vespera-empty", text });

export class ProblemsView extends VesperaView {
  getViewType(): string {
    return PROBLEMS_VIEW;
  }
  getDisplayText(): string {
    return "Codex problems";
  }
  getIcon(): string {
    return "alert-triangle";
  }

  protected async gather(): Promise<Draw> {
    const { bridge } = this.host;
    const files = [...bridge.diagnostics.entries()]
      .map(([uri, list]) => ({ path: bridge.locations.path(uri), list }))
      .filter((f): f is { path: string; list: Diagnostic[] } => !!f.path && f.list.length > 0)
      .sort((a, b) => a.path.localeCompare(b.path));
    if (!files.length) {
      return say(bridge.running ? "No problems in the notes checked so far." : "The Vespera server is not running.");
    }
    return (el) => this.draw(el, files);
  }

  private draw(el: HTMLElement, files: { path: string; list: Diagnostic[] }[]): void {
    for (const { path, list } of files) {
      const section = el.createDiv({ cls: "vespera-problems-file" });
      section.createEl("h5", { text: `${path} (${list.length})` });
      for (const diagnostic of list) {
        const row = section.createDiv({ cls: `vespera-problem vespera-diagnostic-${["", "error", "warning", "info", "hint"][diagnostic.severity ?? 1]}` });
        row.createSpan({ text: `${diagnostic.range.start.line + 1}: ${diagnostic.message}` });
        row.addEventListener("click", () => void this.host.openNote(path, diagnostic.range.start.line));
        const fix = row.createEl("button", { text: "Fix…", cls: "vespera-fix" });
        fix.addEventListener("click", async (event) => {
          event.stopPropagation();
          const actions = await this.host.quickFixes(path, diagnostic);
          fix.remove();
          if (!actions.length) row.createSpan({ cls: "vespera-muted", text: " no quick fix" });
          for (const action of actions) {
            row.createEl("button", { text: action.title }).addEventListener("click", async (e) => {
              e.stopPropagation();
              await this.host.applyFix(action);
            });
          }
        });
      }
    }
  }
}

export class RunsView extends VesperaView {
  getViewType(): string {
    return RUNS_VIEW;
  }
  getDisplayText(): string {
    return "Automation runs";
  }
  getIcon(): string {
    return "zap";
  }

  protected async gather(): Promise<Draw> {
    const { bridge } = this.host;
    const api = bridge.api;
    if (!api) return say(bridge.problem?.message ?? "The Vespera server is not running.");
    if (bridge.status?.state !== "ready") return say("Vespera is opening the vault…"); // redrawn when ready
    let runs: RunSummary[] = [];
    try {
      runs = (await api.request(RUNS_LIST, { vault: bridge.locations.folderUri, limit: 50 })).runs;
    } catch (error) {
      return say(error instanceof Error ? error.message : String(error));
    }
    if (!runs.length) {
      return say("No automation runs yet. Rules live in .vespera/rules/*.yaml; each run shows here with its changes and trace.");
    }
    return (el) => this.draw(el, runs);
  }

  private draw(el: HTMLElement, runs: RunSummary[]): void {
    const { actions } = this.host;
    for (const run of runs) {
      const row = el.createDiv({ cls: `vespera-run vespera-run-${run.outcome}` });
      row.createDiv({ cls: "vespera-run-title", text: run.ruleName });
      row.createDiv({ cls: "vespera-muted", text: `${run.outcome} · ${run.subject} · ${run.changes} change(s) · ${run.started}` });
      const buttons = row.createDiv({ cls: "vespera-run-buttons" });
      if (run.changes > 0) {
        buttons.createEl("button", { text: "Show changes" }).addEventListener("click", () => void actions.showChanges([run.run]));
      }
      if (undoable(run)) {
        buttons.createEl("button", { text: "Undo" }).addEventListener("click", () => void actions.undo([run.run], `the run of "${run.ruleName}"`));
      }
      buttons.createEl("button", { text: "Trace" }).addEventListener("click", () => void actions.openTrace(run.run));
    }
  }
}

export class RelatedView extends VesperaView {
  getViewType(): string {
    return RELATED_VIEW;
  }
  getDisplayText(): string {
    return "Related notes";
  }
  getIcon(): string {
    return "network";
  }

  protected async gather(): Promise<Draw> {
    const { bridge } = this.host;
    const path = this.host.activePath();
    const api = bridge.api;
    if (!api) return say("The Vespera server is not running.");
    if (!path?.endsWith(".md")) return say("Open a note to see its related notes.");
    let result: RelatedResult;
    try {
      result = await api.request(RELATED, { uri: bridge.locations.uri(path), limit: 15 });
    } catch (error) {
      return say(error instanceof Error ? error.message : String(error));
    }
    return (el) => this.draw(el, result);
  }

  private draw(el: HTMLElement, result: RelatedResult): void {
    if (result.state !== "ready" && result.message) say(result.message)(el);
    if (!result.items.length && result.state === "ready") say("No related notes yet.")(el);
    for (const item of result.items) {
      const row = el.createDiv({ cls: "vespera-related" });
      row.createDiv({ cls: "vespera-related-title", text: `${item.title} · ${Math.round(item.score * 100)}%` });
      row.createDiv({ cls: "vespera-muted", text: item.reasons.join(" · ") });
      row.addEventListener("click", () => void this.host.openNote(item.path));
    }
  }
}
