// The bridge: the sidecar for this vault, started from the plugin's settings, with what
// Obsidian answers to the sidecar's requests (edits, settings, documents to show) and the
// events the views listen to.
import { Notice } from "obsidian";
import {
  AUTOMATION_RESULT,
  CAPABILITIES,
  STATUS,
  experimentalCapabilities,
  type AutomationResultParams,
  type StatusParams,
  type VesperaApi,
} from "@vespera/protocol";
import { launchOf, Sidecar, type SidecarState, type StartProblem } from "@vespera/client-core";
import type { ApplyResult, EditApplier, WorkspaceEdit } from "./edits";
import type { CompletionItem } from "./suggest";
import type { CodeAction } from "./views";
import type { VesperaSettings } from "./settings";
import type { Locations } from "./uris";

export interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity?: number;
  code?: string | number;
  source?: string;
  message: string;
  data?: unknown;
}

type Listener<T> = (value: T) => void;

class Emitter<T> {
  private listeners: Listener<T>[] = [];
  on(listener: Listener<T>): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }
  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
}

/** What the bridge asks of Obsidian. */
export interface BridgeHost {
  applyEdit(edit: WorkspaceEdit): Promise<ApplyResult>;
  showDocument(uri: string): Promise<boolean>;
  settings(): VesperaSettings;
}

export class Bridge {
  readonly sidecar: Sidecar;
  readonly states = new Emitter<SidecarState>();
  readonly statusEvents = new Emitter<StatusParams>();
  readonly results = new Emitter<AutomationResultParams>();
  readonly diagnosticsEvents = new Emitter<string>();
  /** The latest `vespera/status` of the vault. */
  status: StatusParams | undefined;
  /** Published diagnostics, by document URI. */
  readonly diagnostics = new Map<string, Diagnostic[]>();

  constructor(
    readonly locations: Locations,
    private readonly host: BridgeHost,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.sidecar = new Sidecar({
      launch: () => launchOf(host.settings()),
      env,
      folders: () => [{ uri: locations.folderUri, name: locations.base.split(/[\\/]/).pop() ?? "vault" }],
      capabilities: () => this.capabilities(),
      initializationOptions: () => this.serverSettings(),
      log: (line) => console.info(`[vespera] ${line}`),
    });
    const sidecar = this.sidecar;
    sidecar.onDidChangeState((state) => {
      if (state !== "running") this.status = undefined; // a new server tells its own
      this.states.fire(state);
    });
    sidecar.onNotification(STATUS, ((params: StatusParams) => {
      this.status = params;
      this.statusEvents.fire(params);
    }) as never);
    sidecar.onNotification(AUTOMATION_RESULT, ((params: AutomationResultParams) => this.results.fire(params)) as never);
    sidecar.onNotification("textDocument/publishDiagnostics", ((params: { uri: string; diagnostics: Diagnostic[] }) => {
      this.diagnostics.set(params.uri, params.diagnostics);
      this.diagnosticsEvents.fire(params.uri);
    }) as never);
    sidecar.onNotification("window/showMessage", ((params: { type: number; message: string }) => {
      new Notice(`Vespera: ${params.message}`, params.type === 1 ? 0 : 8_000);
    }) as never);
    sidecar.onNotification("window/logMessage", ((params: { type: number; message: string }) => {
      (params.type === 1 ? console.error : console.debug)(`[vespera] ${params.message}`);
    }) as never);
    sidecar.onRequest("workspace/applyEdit", ((params: { edit: WorkspaceEdit }) => host.applyEdit(params.edit)) as never);
    sidecar.onRequest("workspace/configuration", ((params: { items: { section?: string }[] }) =>
      params.items.map((item) => (item.section === "vespera" ? this.serverSettings() : null))) as never);
    sidecar.onRequest("window/showDocument", (async (params: { uri: string }) => ({
      success: await host.showDocument(params.uri),
    })) as never);
    // Registrations, progress tokens and refresh requests are taken without more ado.
    sidecar.onOtherRequest(() => null);
  }

  get api(): VesperaApi | undefined {
    return this.sidecar.api;
  }

  get running(): boolean {
    return this.sidecar.state === "running";
  }

  get problem(): StartProblem | undefined {
    return this.sidecar.problem;
  }

  async notify(method: string, params: unknown): Promise<void> {
    if (this.running) await this.sidecar.notify(method, params);
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.sidecar.request<T>(method, params);
  }

  /** The settings the sidecar is sent: the writer's server settings. Obsidian runs a plugin
   * only once the writer turned community plugins on for this vault, so it is trusted. */
  serverSettings(): Record<string, unknown> {
    return { ...this.host.settings().server, trusted: true };
  }

  /** Tells the running sidecar that its settings changed (it asks for them again). */
  async settingsChanged(): Promise<void> {
    await this.notify("workspace/didChangeConfiguration", { settings: { vespera: this.serverSettings() } });
  }

  /** The sidecar's completions at `position` of the note at `path`. */
  async complete(path: string, position: { line: number; character: number }): Promise<CompletionItem[]> {
    if (!this.running) return [];
    const answer = await this.request<CompletionItem[] | { items: CompletionItem[] } | null>("textDocument/completion", {
      textDocument: { uri: this.locations.uri(path) },
      position,
    });
    return Array.isArray(answer) ? answer : (answer?.items ?? []);
  }

  /** The quick fixes of one problem of the note at `path`. */
  async quickFixes(path: string, diagnostic: Diagnostic): Promise<CodeAction[]> {
    const actions = await this.request<CodeAction[] | null>("textDocument/codeAction", {
      textDocument: { uri: this.locations.uri(path) },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic], only: ["quickfix"] },
    });
    return actions ?? [];
  }

  /** Applies a quick fix: its edit, then its command. Returns why it failed, if it did. */
  async applyCodeAction(action: CodeAction, edits: EditApplier): Promise<string | undefined> {
    if (action.edit) {
      const result = await edits.apply(action.edit as WorkspaceEdit);
      if (!result.applied) return result.failureReason ?? "refused";
    }
    if (action.command) {
      await this.request("workspace/executeCommand", { command: action.command.command, arguments: action.command.arguments ?? [] });
    }
    return undefined;
  }

  private capabilities(): Record<string, unknown> {
    return {
      workspace: {
        applyEdit: true,
        workspaceEdit: { documentChanges: true, resourceOperations: ["create", "rename", "delete"] },
        configuration: true,
        didChangeConfiguration: { dynamicRegistration: false },
        // Obsidian's vault does not see dot-folders (.vespera/rules, types, config): the
        // sidecar keeps its own watcher, and the plugin reports the notes' changes at once.
        didChangeWatchedFiles: { dynamicRegistration: false },
      },
      textDocument: {
        synchronization: { didSave: true },
        completion: { completionItem: { snippetSupport: false, documentationFormat: ["plaintext", "markdown"] } },
        publishDiagnostics: { relatedInformation: false },
        codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ["quickfix"] } } },
      },
      window: { showDocument: { support: true }, workDoneProgress: false },
      experimental: experimentalCapabilities(CAPABILITIES),
    };
  }
}
