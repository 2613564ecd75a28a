// Read-only documents: results shown as markdown (traces, dry runs, replays, status), and
// the text of a note before and after a run, for diffs. Nothing here is ever saved.
import * as vscode from "vscode";
import type { RunTrace } from "@vespera/protocol";
import { runWrites, type RunWrite } from "@vespera/client-core";

export const RESULT_SCHEME = "vespera";
export const RUN_SCHEME = "vespera-run";

/** Documents the extension writes: `vespera:/<title>.md?<n>`. */
export class ResultDocuments implements vscode.TextDocumentContentProvider {
  // Each result has a URI of its own and never changes: no onDidChange.
  private readonly texts = new Map<string, string>();
  private next = 1;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "This result is no longer held; run the command again.";
  }

  /** Shows `text` as a read-only markdown document titled `title`, beside the editor. */
  async show(title: string, text: string): Promise<vscode.Uri> {
    const safe = title.replace(/[\\/:*?"<>|#]/g, "-").slice(0, 80);
    const uri = vscode.Uri.from({ scheme: RESULT_SCHEME, path: `/${safe}.md`, query: String(this.next++) });
    this.texts.set(uri.toString(), text);
    while (this.texts.size > 50) {
      const oldest = this.texts.keys().next().value as string;
      this.texts.delete(oldest);
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    return uri;
  }

  dispose(): void {
    this.texts.clear();
  }
}

type Side = "before" | "after";

/** The notes a run wrote, as they were before it and as it left them. */
export class RunDocuments implements vscode.TextDocumentContentProvider {
  private readonly traces = new Map<string, RunTrace>();

  constructor(private readonly fetch: (vault: string, run: string) => Promise<RunTrace | undefined>) {}

  static uri(vault: string, run: string, path: string, side: Side): vscode.Uri {
    return vscode.Uri.from({
      scheme: RUN_SCHEME,
      path: `/${path}`,
      query: JSON.stringify({ vault, run, side }),
    });
  }

  async trace(vault: string, run: string): Promise<RunTrace | undefined> {
    const key = `${vault} ${run}`;
    const held = this.traces.get(key);
    if (held) {
      return held;
    }
    const trace = await this.fetch(vault, run);
    if (trace) {
      this.traces.set(key, trace);
    }
    return trace;
  }

  /** The run's writes: each note's path and its text before and after. */
  async writes(vault: string, run: string): Promise<RunWrite[]> {
    return runWrites(await this.trace(vault, run));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { vault, run, side } = JSON.parse(uri.query) as { vault: string; run: string; side: Side };
    const path = uri.path.replace(/^\//, "");
    const write = (await this.writes(vault, run)).find((w) => w.path === path);
    return (side === "before" ? write?.before : write?.after) ?? "";
  }
}
