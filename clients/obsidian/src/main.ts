// Composition only: the bridge to the sidecar, document sync, edits, completions, problems,
// automation notices, views, commands and settings, wired to Obsidian.
import { FileSystemAdapter, Notice, Plugin, TFile, type WorkspaceLeaf } from "obsidian";
import type { SidecarState } from "@vespera/client-core";
import { Bridge, type Diagnostic } from "./bridge";
import { commands } from "./commands";
import { diagnosticsExtension } from "./diagnostics";
import { DocumentSync } from "./documents";
import { EditApplier, type WorkspaceEdit } from "./edits";
import { AutomationNotices } from "./notices";
import { RunActions } from "./runActions";
import { readSettings, VesperaSettingTab, type VesperaSettings } from "./settings";
import { statusText } from "./statusText";
import { VesperaSuggest, type CompletionItem } from "./suggest";
import { Locations } from "./uris";
import { PROBLEMS_VIEW, ProblemsView, RELATED_VIEW, RelatedView, RUNS_VIEW, RunsView, type CodeAction, type VesperaView, type ViewHost } from "./views";

export default class VesperaPlugin extends Plugin {
  config!: VesperaSettings;
  bridge!: Bridge;
  sync!: DocumentSync;
  actions!: RunActions;
  edits!: EditApplier;
  private notices!: AutomationNotices;
  private statusEl!: HTMLElement;

  async onload(): Promise<void> {
    this.config = readSettings(await this.loadData());
    const adapter = this.app.vault.adapter;
    if (!(adapter instanceof FileSystemAdapter)) {
      new Notice("Vespera needs a vault on this computer's disk (the desktop app).");
      return;
    }
    const locations = new Locations(adapter.getBasePath());
    this.bridge = new Bridge(locations, {
      applyEdit: (edit: WorkspaceEdit) => this.edits.apply(edit),
      showDocument: async (uri: string) => {
        const path = locations.path(uri);
        if (path) await this.openNote(path);
        return !!path;
      },
      settings: () => this.config,
    });
    this.sync = new DocumentSync(this.app, locations, this.bridge);
    this.edits = new EditApplier(this.app.vault, locations, this.sync);
    this.actions = new RunActions(this.app, this.bridge);
    this.notices = new AutomationNotices(this.actions, () => this.config.notifications);
    const views = this.viewHost();
    const refresh = (type: string) => this.refreshViews(type);

    this.registerView(PROBLEMS_VIEW, (leaf: WorkspaceLeaf) => new ProblemsView(leaf, views));
    this.registerView(RUNS_VIEW, (leaf: WorkspaceLeaf) => new RunsView(leaf, views));
    this.registerView(RELATED_VIEW, (leaf: WorkspaceLeaf) => new RelatedView(leaf, views));
    this.registerEditorSuggest(new VesperaSuggest(this.app, { complete: (file, position) => this.complete(file, position) }));
    this.registerEditorExtension(
      diagnosticsExtension({
        forPath: (path) => this.bridge.diagnostics.get(locations.uri(path)) ?? [],
        onChange: (listener) => this.bridge.diagnosticsEvents.on(listener),
      }),
    );
    for (const command of commands(this.commandHost())) this.addCommand(command);
    this.addSettingTab(new VesperaSettingTab(this.app, this));
    this.statusEl = this.addStatusBarItem();
    this.statusEl.addClass("vespera-status");
    for (const ref of this.sync.events()) this.registerEvent(ref);
    this.registerEvent(this.app.workspace.on("active-leaf-change", () => refresh(RELATED_VIEW)));

    this.bridge.results.on((result) => {
      this.notices.take(result);
      refresh(RUNS_VIEW);
    });
    this.actions.onUndo(() => refresh(RUNS_VIEW));
    this.bridge.diagnosticsEvents.on(() => refresh(PROBLEMS_VIEW));
    this.bridge.statusEvents.on((status) => {
      this.showStatus();
      if (status.state === "ready") [RUNS_VIEW, RELATED_VIEW].forEach(refresh); // the vault is open now
    });
    this.bridge.states.on((state) => void this.stateChanged(state));

    this.app.workspace.onLayoutReady(() => void this.start());
  }

  async onunload(): Promise<void> {
    this.notices?.dispose();
    this.sync?.dispose();
    await this.bridge?.sidecar.stop();
  }

  async start(): Promise<void> {
    if (await this.bridge.sidecar.start()) return;
    const problem = this.bridge.problem;
    if (problem) new Notice(`Vespera could not start. ${problem.message} ${problem.fix} (Settings → Vespera)`, 0);
  }

  async saveSettings(restart: boolean): Promise<void> {
    await this.saveData(this.config);
    if (restart) {
      await this.bridge.sidecar.stop();
      await this.start(); // with the new command or interpreter
    } else {
      await this.bridge.settingsChanged();
    }
  }

  async openNote(path: string, line?: number): Promise<void> {
    const file = this.app.vault.getAbstractFileByPath(path);
    if (!(file instanceof TFile)) return;
    const leaf = this.app.workspace.getLeaf(false);
    await leaf.openFile(file, line === undefined ? {} : { eState: { line } });
  }

  activePath(): string | undefined {
    return this.app.workspace.getActiveFile()?.path;
  }

  async complete(file: TFile, position: { line: number; character: number }): Promise<CompletionItem[]> {
    await this.sync.flush(file.path); // the sidecar must see what was just typed
    return this.bridge.complete(file.path, position);
  }

  private async stateChanged(state: SidecarState): Promise<void> {
    this.showStatus();
    if (state === "running") {
      await this.sync.reopenAll(); // notes known before it ran (a restart: every open one)
      this.sync.refreshOpen(); // and those shown since
    }
    this.refreshViews(RUNS_VIEW, RELATED_VIEW, PROBLEMS_VIEW);
  }

  /** Draws the open views of `types` again (each asks the sidecar for what it shows). */
  private refreshViews(...types: string[]): void {
    for (const type of types) {
      for (const leaf of this.app.workspace.getLeavesOfType(type)) void (leaf.view as VesperaView).refresh();
    }
  }

  private showStatus(): void {
    this.statusEl?.setText(statusText(this.bridge.sidecar.state, this.bridge.status, this.bridge.problem?.message));
  }

  private viewHost(): ViewHost {
    return {
      bridge: this.bridge,
      actions: this.actions,
      openNote: (path, line) => this.openNote(path, line),
      activePath: () => this.activePath(),
      quickFixes: (path: string, diagnostic: Diagnostic) => this.bridge.quickFixes(path, diagnostic),
      applyFix: async (action: CodeAction) => {
        const failure = await this.bridge.applyCodeAction(action, this.edits);
        if (failure) new Notice(`Vespera: the fix was not applied (${failure}).`);
      },
    };
  }

  private commandHost() {
    return {
      app: this.app,
      bridge: this.bridge,
      actions: this.actions,
      activePath: () => this.activePath(),
      openNote: (path: string) => this.openNote(path),
      showView: (type: string) => this.showView(type),
      restart: async () => {
        await this.bridge.sidecar.stop();
        await this.start();
      },
    };
  }

  private async showView(type: string): Promise<void> {
    const existing = this.app.workspace.getLeavesOfType(type)[0];
    const leaf = existing ?? this.app.workspace.getRightLeaf(false);
    if (!leaf) return;
    if (!existing) await leaf.setViewState({ type, active: true });
    await this.app.workspace.revealLeaf(leaf);
  }
}
