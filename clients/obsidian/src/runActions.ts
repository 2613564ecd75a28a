// Undo a run, show its changes, read its trace: for notices, the runs view and commands.
import { Notice, type App } from "obsidian";
import { RUNS_GET, type RunTrace, type RunsUndoResult } from "@vespera/protocol";
import { runWrites, traceMarkdown, undoQuestion, undoRuns } from "@vespera/client-core";
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
    for (const run of runs) writes.push(...runWrites(await this.trace(run)));
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
    if (!(await confirm(this.app, undoQuestion(what), "Undo"))) return [];
    const vault = this.bridge.locations.folderUri;
    const { done, text } = await undoRuns(api, runs.map((run) => ({ vault, run })));
    new Notice(text);
    for (const listener of this.undoneListeners) listener();
    return done;
  }
}
