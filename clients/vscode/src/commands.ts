// The commands of the palette, and the server commands the extension shows better itself.
import * as vscode from "vscode";
import {
  AUTOMATION_STATUS,
  OPEN_NOTE_COMMAND,
  REINDEX_COMMAND,
  RULES_DRY_RUN,
  RULES_DRY_RUN_COMMAND,
  RULES_REPLAY,
  RULES_REPLAY_COMMAND,
  RUNS_EXPLAIN,
  RUNS_LIST,
  SEARCH,
  SEMANTIC_STATUS,
  type RuleState,
  type VesperaApi,
} from "@vespera/protocol";
import type { CommandOverride, VesperaClient } from "./client";
import type { ResultDocuments } from "./documents";
import { dryRunMarkdown, explainMarkdown, replayMarkdown, statusMarkdown, undoable } from "@vespera/client-core";
import type { RunActions } from "./runActions";
import { runRef, OPEN_TRACE_COMMAND, SHOW_CHANGES_COMMAND, UNDO_RUN_COMMAND, type RunNode } from "./runsView";
import { SHOW_STATUS_COMMAND } from "./statusBar";

/** The extension's own commands (the server's are registered by the language client). */
export const COMMANDS = {
  restart: "vespera.restartServer",
  rebuildIndex: "vespera.rebuildIndex",
  dryRun: "vespera.dryRunRule",
  replay: "vespera.replayRule",
  undoLast: "vespera.undoLastRun",
  explain: "vespera.explainRule",
  search: "vespera.search",
  status: SHOW_STATUS_COMMAND,
  showChanges: SHOW_CHANGES_COMMAND,
  undoRun: UNDO_RUN_COMMAND,
  openTrace: OPEN_TRACE_COMMAND,
  refreshRuns: "vespera.runs.refresh",
  refreshRelated: "vespera.related.refresh",
  showOutput: "vespera.showOutput",
} as const;

export interface CommandContext {
  client: VesperaClient;
  runs: RunActions;
  results: ResultDocuments;
  output: vscode.OutputChannel;
  refreshRuns: () => void;
  refreshRelated: () => void;
}

/** The vault (workspace folder URI) of `uri`, else the only one, else the writer's pick. */
export async function vaultOf(uri?: vscode.Uri): Promise<vscode.WorkspaceFolder | undefined> {
  const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
  if (folder) return folder;
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length <= 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder: "Which vault?" });
}

/** The path of `uri` inside `folder`, with forward slashes (as the server names notes). */
export function notePath(folder: vscode.WorkspaceFolder, uri: vscode.Uri): string {
  const base = folder.uri.path.replace(/\/$/, "");
  return uri.path.startsWith(`${base}/`) ? uri.path.slice(base.length + 1) : uri.path;
}

function running(client: VesperaClient): VesperaApi | undefined {
  if (!client.api) {
    void vscode.window.showWarningMessage(
      `Vespera is not running${client.problem ? `: ${client.problem.message}` : ""}.`,
    );
  }
  return client.api;
}

function activeNote(): vscode.Uri | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || doc.uri.scheme !== "file" || doc.languageId !== "markdown") {
    void vscode.window.showWarningMessage("Vespera: open a note of the vault first.");
    return undefined;
  }
  return doc.uri;
}

async function pickRule(api: VesperaApi, vault: string, placeHolder: string): Promise<RuleState | undefined> {
  const status = await api.request(AUTOMATION_STATUS, { vault });
  const rules = status.rules ?? [];
  if (!rules.length) {
    void vscode.window.showInformationMessage("Vespera: this vault has no rules (.vespera/rules/*.yaml).");
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    rules.map((rule) => ({
      label: rule.name,
      description: `${rule.rule} · ${rule.file}`,
      detail: rule.active ? undefined : `off: ${rule.reason ?? "switched off"}`,
      rule,
    })),
    { placeHolder, matchOnDescription: true },
  );
  return picked?.rule;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The running server and the active note with its vault, or undefined (the writer was told). */
async function onActiveNote(
  ctx: CommandContext,
): Promise<{ api: VesperaApi; uri: vscode.Uri; folder: vscode.WorkspaceFolder; vault: string } | undefined> {
  const api = running(ctx.client);
  const uri = api && activeNote();
  const folder = uri && (await vaultOf(uri));
  return api && uri && folder ? { api, uri, folder, vault: folder.uri.toString() } : undefined;
}

async function dryRun(ctx: CommandContext): Promise<void> {
  const note = await onActiveNote(ctx);
  if (!note) return;
  const { api, uri, folder, vault } = note;
  const rule = await pickRule(api, vault, "Dry-run which rule on this note?");
  if (!rule) return;
  const result = await api.request(RULES_DRY_RUN, { vault, rule: rule.rule, note: uri.toString() });
  await ctx.results.show(`Dry run ${rule.name}`, dryRunMarkdown(result, notePath(folder, uri)));
}

interface LensTarget {
  vault?: string;
  rule?: string;
  file?: string;
  note?: string;
}

/** A rule file's lens target, with the file's text as the editor has it (unsaved edits too). */
function lensSource(args: unknown[]): LensTarget & { text?: string } {
  const given = (args[0] ?? {}) as LensTarget;
  const file = given.file
    ? vscode.workspace.textDocuments.find((d) => d.uri.path.endsWith(`/${given.file}`))
    : undefined;
  return file ? { ...given, text: file.getText() } : given;
}

/** The dry-run lens of a rule file, on the note shown beside it (else the server's active note). */
export async function dryRunFromLens(ctx: CommandContext, args: unknown[]): Promise<unknown> {
  const api = running(ctx.client);
  if (!api) return undefined;
  const source = lensSource(args);
  const note = source.note ?? visibleNote()?.toString();
  const result = await api.request(RULES_DRY_RUN, note ? { ...source, note } : source);
  const where = result.event.subject;
  await ctx.results.show(`Dry run ${result.ruleName}`, dryRunMarkdown(result, where));
  return result;
}

/** The replay lens of a rule file: the last week of the log, shown as a document. */
export async function replayFromLens(ctx: CommandContext, args: unknown[]): Promise<unknown> {
  const api = running(ctx.client);
  if (!api) return undefined;
  const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const result = await api.request(RULES_REPLAY, { ...lensSource(args), since });
  await ctx.results.show(`Replay ${result.rule}`, replayMarkdown(result, "the last 7 days"));
  return result;
}

/** A markdown note shown in an editor (the rule file's lens is clicked with it beside). */
function visibleNote(): vscode.Uri | undefined {
  const editors = [vscode.window.activeTextEditor, ...vscode.window.visibleTextEditors];
  return editors.find((e) => e?.document.languageId === "markdown" && e.document.uri.scheme === "file")?.document.uri;
}

async function replay(ctx: CommandContext): Promise<void> {
  const api = running(ctx.client);
  const folder = api && (await vaultOf(vscode.window.activeTextEditor?.document.uri));
  if (!api || !folder) return;
  const vault = folder.uri.toString();
  const rule = await pickRule(api, vault, "Replay which rule over the event log?");
  if (!rule) return;
  const periods = [
    { label: "The last day", days: 1 },
    { label: "The last 7 days", days: 7 },
    { label: "The last 30 days", days: 30 },
    { label: "The whole log", days: 0 },
  ];
  const period = await vscode.window.showQuickPick(periods, { placeHolder: "Over which stretch of the log?" });
  if (!period) return;
  const since = period.days ? new Date(Date.now() - period.days * 86_400_000).toISOString() : null;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Replaying ${rule.name}…` },
    () => api.request(RULES_REPLAY, { vault, rule: rule.rule, since }),
  );
  await ctx.results.show(`Replay ${rule.name}`, replayMarkdown(result, period.label.toLowerCase()));
}

async function undoLast(ctx: CommandContext): Promise<void> {
  const api = running(ctx.client);
  const folder = api && (await vaultOf(vscode.window.activeTextEditor?.document.uri));
  if (!api || !folder) return;
  const vault = folder.uri.toString();
  const page = await api.request(RUNS_LIST, { vault, limit: 20 });
  const last = page.runs.find(undoable);
  if (!last) {
    void vscode.window.showInformationMessage("Vespera: no recent automation run changed a note.");
    return;
  }
  await ctx.runs.undo([{ vault, run: last.run }], `"${last.ruleName}" on ${last.subject} (${last.changes} change(s))`);
  ctx.refreshRuns();
}

async function explain(ctx: CommandContext): Promise<void> {
  const note = await onActiveNote(ctx);
  if (!note) return;
  const { api, uri, folder, vault } = note;
  const status = await api.request(AUTOMATION_STATUS, { vault });
  const every = { label: "Every rule", description: "", rule: undefined as string | undefined };
  const choices = [every, ...(status.rules ?? []).map((r) => ({ label: r.name, description: r.rule, rule: r.rule as string | undefined }))];
  const picked = await vscode.window.showQuickPick(choices, { placeHolder: "Explain which rule on this note?" });
  if (!picked) return;
  const subject = notePath(folder, uri);
  const result = await api.request(RUNS_EXPLAIN, { vault, rule: picked.rule ?? null, subject, limit: 30 });
  await ctx.results.show(`Explain ${picked.label}`, explainMarkdown(result.entries ?? [], `${picked.label} on ${subject}`, status));
}

async function search(ctx: CommandContext): Promise<void> {
  const api = running(ctx.client);
  const folder = api && (await vaultOf(vscode.window.activeTextEditor?.document.uri));
  if (!api || !folder) return;
  const vault = folder.uri.toString();
  type Item = vscode.QuickPickItem & { uri?: string };
  const pick = vscode.window.createQuickPick<Item>();
  pick.placeholder = "Describe what you are looking for (by meaning, not exact words)";
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  pick.onDidChangeValue((text) => {
    if (timer) clearTimeout(timer);
    if (!text.trim()) {
      pick.items = [];
      return;
    }
    timer = setTimeout(async () => {
      const mine = ++asked;
      pick.busy = true;
      try {
        const result = await api.request(SEARCH, { vault, text, limit: 20 });
        if (mine !== asked) return;
        const items: Item[] = result.items.map((item) => ({
          label: item.title,
          description: `${Math.round(item.score * 100)}% · ${item.path}`,
          detail: item.reasons.join(" · "),
          alwaysShow: true,
          uri: item.uri,
        }));
        if (result.state !== "ready" && result.message) {
          items.unshift({ label: result.message, alwaysShow: true });
        }
        pick.items = items;
      } catch (error) {
        pick.items = [{ label: errorText(error), alwaysShow: true }];
      } finally {
        if (mine === asked) pick.busy = false;
      }
    }, 250);
  });
  pick.onDidAccept(async () => {
    const chosen = pick.selectedItems[0];
    if (chosen?.uri) {
      pick.hide();
      await vscode.window.showTextDocument(vscode.Uri.parse(chosen.uri));
    }
  });
  pick.onDidHide(() => pick.dispose());
  pick.show();
}

async function showStatus(ctx: CommandContext): Promise<void> {
  const api = ctx.client.api;
  const folders = vscode.workspace.workspaceFolders ?? [];
  const vaults = await Promise.all(
    folders.map(async (folder) => {
      const vault = folder.uri.toString();
      const ask = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
        try {
          return await call();
        } catch {
          return undefined;
        }
      };
      return {
        name: folder.name,
        index: ctx.client.statuses.get(vault),
        automation: api ? await ask(() => api.request(AUTOMATION_STATUS, { vault })) : undefined,
        semantic: api ? await ask(() => api.request(SEMANTIC_STATUS, { vault })) : undefined,
      };
    }),
  );
  let text = statusMarkdown(vaults, ctx.client.trusted);
  if (!api) {
    text += `\n> The server is not running${ctx.client.problem ? `: ${ctx.client.problem.message} ${ctx.client.problem.fix}` : "."}\n`;
  }
  await ctx.results.show("Vespera status", text);
}

async function rebuildIndex(ctx: CommandContext): Promise<void> {
  if (!running(ctx.client)) return;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: "Vespera: reading the vault again" },
    () => ctx.client.executeServerCommand(REINDEX_COMMAND),
  );
  ctx.refreshRelated();
}

/** Runs `fn`, and tells the writer in words if it fails. */
function guarded(name: string, fn: (...args: never[]) => Promise<unknown>): (...args: never[]) => Promise<void> {
  return async (...args) => {
    try {
      await fn(...args);
    } catch (error) {
      void vscode.window.showErrorMessage(`Vespera (${name}): ${errorText(error)}`);
    }
  };
}

/** Registers every command; returns what to dispose. */
export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const fromNodes = (node?: RunNode, nodes?: RunNode[]) =>
    (nodes?.length ? nodes : node ? [node] : []).map(runRef).filter((r): r is { vault: string; run: string } => !!r);
  const table: [string, (...args: never[]) => Promise<unknown>][] = [
    [COMMANDS.restart, () => ctx.client.restart()],
    [COMMANDS.rebuildIndex, () => rebuildIndex(ctx)],
    [COMMANDS.dryRun, () => dryRun(ctx)],
    [COMMANDS.replay, () => replay(ctx)],
    [COMMANDS.undoLast, () => undoLast(ctx)],
    [COMMANDS.explain, () => explain(ctx)],
    [COMMANDS.search, () => search(ctx)],
    [COMMANDS.status, () => showStatus(ctx)],
    [
      COMMANDS.showChanges,
      async (node: RunNode, nodes?: RunNode[]) =>
        ctx.runs.showChanges(fromNodes(node, nodes), node.kind === "change" ? node.path : undefined),
    ],
    [
      COMMANDS.undoRun,
      async (node: RunNode, nodes?: RunNode[]) => {
        const refs = fromNodes(node, nodes);
        await ctx.runs.undo(refs, refs.length === 1 ? "this run" : `${refs.length} runs`);
        ctx.refreshRuns();
      },
    ],
    [
      COMMANDS.openTrace,
      async (node: RunNode) => {
        const ref = runRef(node);
        if (ref) await ctx.runs.openTrace(ref);
      },
    ],
    [COMMANDS.refreshRuns, async () => ctx.refreshRuns()],
    [COMMANDS.refreshRelated, async () => ctx.refreshRelated()],
    [COMMANDS.showOutput, async () => ctx.output.show(true)],
  ];
  return table.map(([id, fn]) => vscode.commands.registerCommand(id, guarded(id, fn)));
}

/** Server commands the extension carries out itself: opening a note without a round trip,
 * and a dry run shown as a document with its diffs rather than a one-line message. */
export function commandOverrides(ctx: () => CommandContext): Map<string, CommandOverride> {
  return new Map<string, CommandOverride>([
    [
      OPEN_NOTE_COMMAND,
      async (args) => {
        const target = (args[0] ?? {}) as { uri?: string; vault?: string; path?: string };
        const uri = target.uri
          ? vscode.Uri.parse(target.uri)
          : target.vault && target.path
            ? vscode.Uri.joinPath(vscode.Uri.parse(target.vault), target.path)
            : undefined;
        if (uri) await vscode.window.showTextDocument(uri);
        return null;
      },
    ],
    [RULES_DRY_RUN_COMMAND, (args) => dryRunFromLens(ctx(), args)],
    [RULES_REPLAY_COMMAND, (args) => replayFromLens(ctx(), args)],
  ]);
}
