// The "Related notes" view: the notes nearest the active one, by meaning, links and tags, with
// why each was chosen. It asks only while it is visible.
import * as vscode from "vscode";
import { RELATED, type RelatedItem, type RelatedResult } from "@vespera/protocol";
import type { VesperaClient } from "./client";

export const RELATED_VIEW = "vespera.related";
const QUIET_MS = 300;

export type RelatedNode = { kind: "item"; item: RelatedItem } | { kind: "note"; text: string };

export function relatedNodes(result: RelatedResult | undefined, why?: string): RelatedNode[] {
  if (!result) {
    return [{ kind: "note", text: why ?? "Open a note of the vault to see its related notes." }];
  }
  const nodes: RelatedNode[] = result.items.map((item) => ({ kind: "item", item }));
  if (result.state !== "ready" && result.message) {
    nodes.unshift({ kind: "note", text: result.message });
  } else if (!nodes.length) {
    nodes.push({ kind: "note", text: "No related notes yet." });
  }
  return nodes;
}

export class RelatedView implements vscode.TreeDataProvider<RelatedNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RelatedNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: ReturnType<typeof setTimeout> | undefined;
  visible = true;

  constructor(
    private readonly client: VesperaClient,
    private readonly limit: () => number,
  ) {}

  /** Asks again after a quiet moment (typing or switching editors quickly asks once). */
  refreshSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), QUIET_MS);
  }

  refresh(): void {
    if (this.visible) this.changed.fire(undefined);
  }

  async getChildren(node?: RelatedNode): Promise<RelatedNode[]> {
    if (node) {
      return [];
    }
    const api = this.client.api;
    const editor = vscode.window.activeTextEditor;
    if (!api) {
      return relatedNodes(undefined, "The Vespera server is not running.");
    }
    if (!editor || editor.document.uri.scheme !== "file" || editor.document.languageId !== "markdown") {
      return relatedNodes(undefined);
    }
    try {
      const result = await api.request(RELATED, { uri: editor.document.uri.toString(), limit: this.limit() });
      return relatedNodes(result);
    } catch (error) {
      return relatedNodes(undefined, error instanceof Error ? error.message : String(error));
    }
  }

  getTreeItem(node: RelatedNode): vscode.TreeItem {
    if (node.kind === "note") {
      const item = new vscode.TreeItem(node.text);
      item.iconPath = new vscode.ThemeIcon("info");
      return item;
    }
    const related = node.item;
    const item = new vscode.TreeItem(related.title);
    item.description = `${Math.round(related.score * 100)}% · ${related.reasons[0] ?? related.path}`;
    const passage = related.passage ? `\n\n> ${related.passage.slice(0, 300)}` : "";
    item.tooltip = new vscode.MarkdownString(`**${related.title}** (${related.path})\n\n- ${related.reasons.join("\n- ")}${passage}`);
    item.iconPath = new vscode.ThemeIcon(related.linkDistance === 1 ? "link" : "note");
    item.resourceUri = vscode.Uri.parse(related.uri);
    item.command = { command: "vscode.open", title: "Open", arguments: [vscode.Uri.parse(related.uri)] };
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}
