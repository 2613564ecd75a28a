// The "Automation runs" view: the latest runs of every vault, each opening to the notes it
// changed (a diff each) and its trace.
import * as vscode from "vscode";
import { RUNS_LIST, type RunSummary } from "@vespera/protocol";
import { undoable } from "@vespera/client-core";
import type { VesperaClient } from "./client";
import type { RunActions } from "./runActions";

export const RUNS_VIEW = "vespera.runs";
export const SHOW_CHANGES_COMMAND = "vespera.showChanges";
export const UNDO_RUN_COMMAND = "vespera.undoRun";
export const OPEN_TRACE_COMMAND = "vespera.openTrace";
const LIMIT = 50;

export type RunNode =
  | { kind: "run"; vault: string; summary: RunSummary }
  | { kind: "change"; vault: string; run: string; path: string; summary: string; created: boolean }
  | { kind: "trace"; vault: string; run: string }
  | { kind: "note"; text: string };

const ICONS: Record<RunSummary["outcome"], [string, string]> = {
  succeeded: ["pass", "testing.iconPassed"],
  partial: ["warning", "list.warningForeground"],
  failed: ["error", "list.errorForeground"],
  stopped: ["debug-stop", "list.errorForeground"],
  skipped: ["circle-slash", "disabledForeground"],
};

function ago(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}

export class RunsView implements vscode.TreeDataProvider<RunNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly client: VesperaClient,
    private readonly actions: RunActions,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: RunNode): Promise<RunNode[]> {
    const api = this.client.api;
    if (!api) {
      return [{ kind: "note", text: this.client.problem?.message ?? "The Vespera server is not running." }];
    }
    if (!node) {
      const vaults = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString());
      const pages = await Promise.all(
        vaults.map(async (vault) => {
          try {
            const page = await api.request(RUNS_LIST, { vault, limit: LIMIT });
            return page.runs.map((summary): RunNode => ({ kind: "run", vault, summary }));
          } catch {
            return []; // a vault still opening has no runs to show yet
          }
        }),
      );
      const runs = pages.flat().sort((a, b) => {
        const x = a.kind === "run" ? a.summary.started : "";
        const y = b.kind === "run" ? b.summary.started : "";
        return y.localeCompare(x);
      });
      return runs.slice(0, LIMIT);
    }
    if (node.kind !== "run") {
      return [];
    }
    const trace = await this.actions.documents.trace(node.vault, node.summary.run);
    const changes = (trace?.changes ?? []).map(
      (c): RunNode => ({
        kind: "change",
        vault: node.vault,
        run: node.summary.run,
        path: c.path,
        summary: c.summary,
        created: c.kind === "created",
      }),
    );
    return [...changes, { kind: "trace", vault: node.vault, run: node.summary.run }];
  }

  getTreeItem(node: RunNode): vscode.TreeItem {
    switch (node.kind) {
      case "note":
        return new vscode.TreeItem(node.text);
      case "trace": {
        const item = new vscode.TreeItem("Trace");
        item.iconPath = new vscode.ThemeIcon("list-tree");
        item.command = { command: OPEN_TRACE_COMMAND, title: "Open trace", arguments: [node] };
        return item;
      }
      case "change": {
        const item = new vscode.TreeItem(node.path.split("/").pop() ?? node.path);
        item.description = node.summary;
        item.tooltip = `${node.created ? "Created" : "Changed"} ${node.path}: ${node.summary}`;
        item.iconPath = new vscode.ThemeIcon(node.created ? "new-file" : "diff");
        item.command = { command: SHOW_CHANGES_COMMAND, title: "Show changes", arguments: [node] };
        return item;
      }
      case "run": {
        const run = node.summary;
        const item = new vscode.TreeItem(run.ruleName, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `${node.vault} ${run.run}`;
        const changes = run.changes ? ` · ${run.changes} change${run.changes === 1 ? "" : "s"}` : "";
        item.description = `${run.outcome} · ${run.subject}${changes} · ${ago(run.started)}`;
        const [icon, color] = ICONS[run.outcome];
        item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
        item.tooltip = new vscode.MarkdownString(
          `**${run.ruleName}** (\`${run.rule}\`): ${run.outcome}\n\n` +
            `\`${run.eventType}\` on \`${run.subject}\`, ${run.started}, ${run.durationMs} ms`,
        );
        item.contextValue = undoable(run) ? "run.undoable" : "run";
        return item;
      }
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The view's item commands: a node (or the nodes selected) to the run actions. */
export function runRef(node: RunNode): { vault: string; run: string } | undefined {
  if (node.kind === "run") return { vault: node.vault, run: node.summary.run };
  if (node.kind === "change" || node.kind === "trace") return { vault: node.vault, run: node.run };
  return undefined;
}
