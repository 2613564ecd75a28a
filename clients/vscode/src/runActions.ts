// What the writer can do with automation runs: see their changes, undo them, read their trace.
// The notifications, the runs view and the commands all go through here.
import * as vscode from "vscode";
import { RUNS_GET, type RunsUndoResult } from "@vespera/protocol";
import { undoQuestion, undoRuns } from "@vespera/client-core";
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
    if ((await vscode.window.showWarningMessage(undoQuestion(what), { modal: true }, yes)) !== yes) {
      return [];
    }
    const { done, text, complete } = await undoRuns(api, runs);
    this.undone.fire(runs);
    void (complete ? vscode.window.showInformationMessage(text) : vscode.window.showWarningMessage(text));
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
