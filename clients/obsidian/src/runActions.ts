// Undo a run, show its changes, read its trace: for notices, the runs view and commands.
import { Notice, type App } from "obsidian";
import { RUNS_GET, RUNS_UNDO, type RunTrace, type RunsUndoResult } from "@vespera/protocol";
import { traceMarkdown } from "@vespera/client-core";
import type { Bridge } from "./bridge";
import { confirm, DiffModal, MarkdownModal } from "./modals";

export class RunActions {
  private readonly traces = new Map<string, RunTrace>();
  private readonly undoneListeners: (() => void)[] = [];

  constructor(
    private readonly app: App,
    private readonly bridge: Bridge,
  ) {}

  onUndo(listener: () => void): void {
    this.undoneListeners.push(listener);
  }

  async trace(run: string): Promise<RunTrace | undefined> {
    const held = this.traces.get(run);
    if (held) return held;
    const trace = await this.bridge.api?.request(RUNS_GET, { vault: this.bridge.locations.folderUri, run });
    if (trace) this.traces.set(run, trace);
    return trace;
  }

  async showChanges(runs: string[]): Promise<void> {
    const writes = [];
    for (const run of runs) {
      for (const w of (await this.trace(run))?.writes ?? []) {
        writes.push({
          path: String(w.path),
          before: typeof w.before === "string" ? w.before : null,
          after: typeof w.after === "string" ? w.after : null,
        });
      }
    }
    if (!writes.length) {
      new Notice("Vespera: these runs changed no note.");
      return;
    }
    new DiffModal(this.app, `Automation: ${writes.length} change${writes.length === 1 ? "" : "s"}`, writes).open();
  }

  async openTrace(run: string): Promise<void> {
    const trace = await this.trace(run);
    if (trace) new MarkdownModal(this.app, `Run ${trace.run}`, traceMarkdown(trace)).open();
  }

  /** Undoes `runs`, newest first, after asking; says what was put back and what was kept. */
  async undo(runs: string[], what: string): Promise<RunsUndoResult[]> {
    const api = this.bridge.api;
    if (!api || !runs.length) return [];
    if (!(await confirm(this.app, `Undo ${what}? Notes it changed go back to how they were; notes it created are deleted.`, "Undo"))) {
      return [];
    }
    const done: RunsUndoResult[] = [];
    const failures: string[] = [];
    for (const run of runs) {
      try {
        done.push(await api.request(RUNS_UNDO, { vault: this.bridge.locations.folderUri, run }));
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    const restored = done.reduce((n, r) => n + (r.restored?.length ?? 0), 0);
    const deleted = done.reduce((n, r) => n + (r.deleted?.length ?? 0), 0);
    const kept = [...done.flatMap((r) => (r.conflicts ?? []).map((c) => `${c.path} (${c.reason})`)), ...failures];
    new Notice(
      `Vespera undid ${done.length === 1 ? "the run" : `${done.length} runs`}: ${restored} note(s) put back, ${deleted} deleted.` +
        (kept.length ? ` Left as they are: ${kept.join("; ")}` : ""),
    );
    for (const listener of this.undoneListeners) listener();
    return done;
  }
}
