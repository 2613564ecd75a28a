// The status bar item: the server's state, indexing and embedding progress, and today's
// automation counts; it opens the full status when clicked.
import * as vscode from "vscode";
import type { AutomationStatus, StatusParams } from "@vespera/protocol";
import type { ClientState } from "./client";

export const SHOW_STATUS_COMMAND = "vespera.showStatus";

export interface StatusInput {
  state: ClientState;
  problem?: string;
  trusted: boolean;
  vaults: StatusParams[];
  automation: AutomationStatus[];
}

export interface StatusView {
  text: string;
  tooltip: string;
  warning: boolean;
}

/** What the item shows for the state of things. */
export function statusView(input: StatusInput): StatusView {
  const lines: string[] = [];
  if (input.state === "failed") {
    return { text: "$(error) Vespera", tooltip: `Vespera is not running. ${input.problem ?? ""}`, warning: true };
  }
  if (input.state !== "running") {
    return { text: "$(loading~spin) Vespera", tooltip: "Vespera is starting…", warning: false };
  }
  let text = "$(check) Vespera";
  const indexing = input.vaults.filter((v) => v.state === "indexing" || v.state === "starting");
  const embedding = input.vaults.filter((v) => v.semantic === "embedding" || v.semantic === "loading");
  if (indexing.length) {
    const done = indexing.reduce((n, v) => n + (v.indexed ?? 0), 0);
    const total = indexing.reduce((n, v) => n + (v.total ?? 0), 0);
    text = total ? `$(sync~spin) Indexing ${done}/${total}` : "$(sync~spin) Indexing";
  } else if (embedding.length) {
    const pending = embedding.reduce((n, v) => n + (v.pending ?? 0), 0);
    text = `$(sync~spin) Embedding, ${pending} to go`;
  }
  for (const vault of input.vaults) {
    const name = decodeURIComponent(vault.vault.split("/").pop() ?? vault.vault);
    const notes = vault.notes !== undefined ? `${vault.notes} notes` : vault.state;
    const semantic = vault.semantic ? `, embeddings ${vault.semantic}${vault.pending ? ` (${vault.pending} waiting)` : ""}` : "";
    const problems = vault.problems ? `, ${vault.problems} problems` : "";
    lines.push(`${name}: ${notes}${problems}${semantic}${vault.message ? ` (${vault.message})` : ""}`);
  }
  const runs = input.automation.reduce((n, a) => n + (a.runsToday ?? 0), 0);
  const failures = input.automation.reduce((n, a) => n + (a.failuresToday ?? 0), 0);
  const enabled = input.automation.some((a) => a.enabled);
  if (!input.trusted) {
    text += " $(shield) automation off";
    lines.push("Automation is off: this workspace is not trusted (Manage Workspace Trust to allow it).");
  } else if (input.automation.length && !enabled) {
    text += " · automation off";
    const why = input.automation.find((a) => a.held)?.held ?? "it is switched off";
    lines.push(`Automation is off: ${why}.`);
  } else if (input.automation.length) {
    text += ` · ${runs} run${runs === 1 ? "" : "s"}${failures ? `, ${failures} failed` : ""}`;
    lines.push(`Today: ${runs} automation runs, ${failures} failed.`);
  }
  lines.push("Click for the full status.");
  return { text, tooltip: lines.join("\n"), warning: failures > 0 };
}

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem("vespera.status", vscode.StatusBarAlignment.Left, 10);
    this.item.name = "Vespera";
    this.item.command = SHOW_STATUS_COMMAND;
    this.item.show();
  }

  update(input: StatusInput): StatusView {
    const view = statusView(input);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.warning ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
    return view;
  }

  dispose(): void {
    this.item.dispose();
  }
}
