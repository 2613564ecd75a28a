// What the writer can do with automation runs: see their changes, undo them, read their trace.
// The notifications, the runs view and the commands all go through here.
import * as vscode from "vscode";
import { RUNS_GET, RUNS_UNDO, type RunsUndoResult } from "@vespera/protocol";
import type { VesperaClient } from "./client";
import { RunDocuments, type ResultDocuments } from "./documents";
import { traceMarkdown } from "@vespera/client-core";

export interface RunRef {
  vault: string;
  run: string;
}

export class RunActions {
  readonly documents: RunDocuments;
  private readonly undone = new vscode.EventEmitter<RunRef[]>();
  readonly onDidUndo = this.undone.event;

  constructor(
    private readonly client: VesperaClient,
    private readonly results: ResultDocuments,
  ) {
    this.documents = new RunDocuments(async (vault, run) => client.api?.request(RUNS_GET, { vault, run }));
  }

  /** Opens the changes of `runs` as diffs: one note in the diff editor, several side by side. */
  async showChanges(runs: RunRef[], only?: string): Promise<void> {
    const pairs: [vscode.Uri, vscode.Uri, vscode.Uri][] = [];
    for (const ref of runs) {
      for (const write of await this.documents.writes(ref.vault, ref.run)) {
        if (only !== undefined && write.path !== only) {
          continue;
        }
        const folder = vscode.Uri.parse(ref.vault);
        pairs.push([
          vscode.Uri.joinPath(folder, write.path),
          RunDocuments.uri(ref.vault, ref.run, write.path, "before"),
          RunDocuments.uri(ref.vault, ref.run, write.path, "after"),
        ]);
      }
    }
    if (!pairs.length) {
      void vscode.window.showInformationMessage("Vespera: these runs changed no note.");
      return;
    }
    if (pairs.length === 1) {
      const [file, before, after] = pairs[0]!;
      const name = file.path.split("/").pop() ?? file.path;
      await vscode.commands.executeCommand("vscode.diff", before, after, `${name} (automation run)`);
      return;
    }
    await vscode.commands.executeCommand("vscode.changes", `Automation: ${pairs.length} changes`, pairs);
  }

  /** Undoes `runs`, newest first, after asking; tells what was put back and what was kept. */
  async undo(runs: RunRef[], what: string): Promise<RunsUndoResult[]> {
    const api = this.client.api;
    if (!api || !runs.length) {
      return [];
    }
    const yes = "Undo";
    const answer = await vscode.window.showWarningMessage(
      `Undo ${what}? Notes it changed go back to how they were; notes it created are deleted.`,
      { modal: true },
      yes,
    );
    if (answer !== yes) {
      return [];
    }
    const done: RunsUndoResult[] = [];
    const failures: string[] = [];
    for (const ref of runs) {
      try {
        done.push(await api.request(RUNS_UNDO, { vault: ref.vault, run: ref.run }));
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    this.undone.fire(runs);
    const restored = done.reduce((n, r) => n + (r.restored?.length ?? 0), 0);
    const deleted = done.reduce((n, r) => n + (r.deleted?.length ?? 0), 0);
    const conflicts = done.flatMap((r) => r.conflicts ?? []);
    const summary = `Vespera undid ${done.length === 1 ? "the run" : `${done.length} runs`}: ${restored} note(s) put back, ${deleted} deleted.`;
    if (conflicts.length || failures.length) {
      const kept = conflicts.map((c) => `${c.path} (${c.reason})`);
      void vscode.window.showWarningMessage(
        `${summary} Left as they are: ${[...kept, ...failures].join("; ")}`,
      );
    } else {
      void vscode.window.showInformationMessage(summary);
    }
    return done;
  }

  async openTrace(ref: RunRef): Promise<void> {
    const trace = await this.documents.trace(ref.vault, ref.run);
    if (!trace) {
      void vscode.window.showWarningMessage("Vespera: the server is not running; start it to read the trace.");
      return;
    }
    await this.results.show(`Run ${trace.ruleName} ${trace.run}`, traceMarkdown(trace));
  }

  dispose(): void {
    this.undone.dispose();
  }
}
