// Composition only: build the parts, wire their events, register what VS Code must know.
import * as vscode from "vscode";
import { AUTOMATION_STATUS, type AutomationStatus } from "@vespera/protocol";
import { VesperaClient } from "./client";
import { commandOverrides, registerCommands, type CommandContext } from "./commands";
import { RESULT_SCHEME, ResultDocuments, RUN_SCHEME } from "./documents";
import { AutomationNotifier } from "./notifications";
import { RelatedView, RELATED_VIEW } from "./relatedView";
import { RunActions } from "./runActions";
import { RunsView, RUNS_VIEW } from "./runsView";
import { affectsLaunch, notifyMode, relatedLimit, SECTION } from "./settings";
import { StatusBar } from "./statusBar";

/** Today's counts are asked for again at most this often while runs arrive. */
const COUNTS_QUIET_MS = 1_000;

export function activate(context: vscode.ExtensionContext): VesperaClient {
  const output = vscode.window.createOutputChannel("Vespera");
  const results = new ResultDocuments();
  let commandContext: CommandContext | undefined;
  const client = new VesperaClient(output, commandOverrides(() => commandContext!));
  active = client;
  const runs = new RunActions(client, results);
  const runsView = new RunsView(client, runs);
  const relatedView = new RelatedView(client, relatedLimit);
  const statusBar = new StatusBar();
  const runsTree = vscode.window.createTreeView(RUNS_VIEW, { treeDataProvider: runsView, canSelectMany: true });
  const relatedTree = vscode.window.createTreeView(RELATED_VIEW, { treeDataProvider: relatedView });
  const notifier = new AutomationNotifier(runs, notifyMode, () =>
    Promise.resolve(vscode.commands.executeCommand(`${RUNS_VIEW}.focus`)).then(() => undefined),
  );
  commandContext = {
    client,
    runs,
    results,
    output,
    refreshRuns: () => runsView.refresh(),
    refreshRelated: () => relatedView.refresh(),
  };

  // Today's automation counts, for the status bar.
  let automation: AutomationStatus[] = [];
  let countsTimer: ReturnType<typeof setTimeout> | undefined;
  const showStatus = () =>
    statusBar.update({
      state: client.state,
      problem: client.problem && `${client.problem.message} ${client.problem.fix}`,
      trusted: client.trusted,
      vaults: [...client.statuses.values()],
      automation,
    });
  const recount = () => {
    if (countsTimer) clearTimeout(countsTimer);
    countsTimer = setTimeout(async () => {
      const api = client.api;
      const folders = vscode.workspace.workspaceFolders ?? [];
      const found = await Promise.all(
        folders.map((f) => api?.request(AUTOMATION_STATUS, { vault: f.uri.toString() }).catch(() => undefined)),
      );
      automation = found.filter((a): a is AutomationStatus => !!a);
      showStatus();
    }, COUNTS_QUIET_MS);
  };

  context.subscriptions.push(
    output,
    client,
    results,
    runs,
    runsView,
    relatedView,
    statusBar,
    notifier,
    runsTree,
    relatedTree,
    { dispose: () => countsTimer && clearTimeout(countsTimer) },
    vscode.workspace.registerTextDocumentContentProvider(RESULT_SCHEME, results),
    vscode.workspace.registerTextDocumentContentProvider(RUN_SCHEME, runs.documents),
    ...registerCommands(commandContext),
    client.onDidChangeState((state) => {
      showStatus();
      runsView.refresh();
      relatedView.refresh();
      if (state === "running") recount();
    }),
    client.onStatus((status) => {
      showStatus();
      if (status.state === "ready") recount();
      if (status.semantic === "ready") relatedView.refreshSoon();
    }),
    client.onAutomationResult((result) => {
      notifier.take(result);
      runsView.refresh();
      recount();
    }),
    runs.onDidUndo(() => {
      runsView.refresh();
      recount();
    }),
    vscode.window.onDidChangeActiveTextEditor(() => relatedView.refreshSoon()),
    vscode.workspace.onDidSaveTextDocument(() => relatedView.refreshSoon()),
    relatedTree.onDidChangeVisibility(({ visible }) => {
      relatedView.visible = visible;
      if (visible) relatedView.refresh();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      // The server learns it at once: automation may run from the next change on.
      await client.settingsChanged();
      showStatus();
      recount();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (affectsLaunch(event)) {
        const restart = "Restart";
        const answer = await vscode.window.showInformationMessage(
          "Vespera: the server's command changed; restart it to use the new one.",
          restart,
        );
        if (answer === restart) await client.restart();
      } else if (event.affectsConfiguration(SECTION)) {
        await client.settingsChanged(); // the server asks for them again (with the trust)
        showStatus();
      }
    }),
  );
  showStatus();
  void client.start(); // activation does not wait for the server (the status bar shows it)
  return client;
}

let active: VesperaClient | undefined;

/** VS Code waits for the promise: the server is shut down (after a start under way). */
export function deactivate(): Promise<void> | undefined {
  return active?.stop();
}
