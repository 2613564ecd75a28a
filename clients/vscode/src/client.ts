// The connection to the sidecar: starts, stops and restarts `vespera serve`, tells it the
// workspace's trust, and turns its custom notifications into events the views listen to.
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
  type StaticFeature,
} from "vscode-languageclient/node";
import {
  AUTOMATION_RESULT,
  CAPABILITIES,
  STATUS,
  VesperaApi,
  experimentalCapabilities,
  type AutomationResultParams,
  type StatusParams,
} from "@vespera/protocol";
import { commandLine, launchOf, probe, type Launch, type StartProblem } from "@vespera/client-core";
import { launchSettings, serverSettings, SECTION } from "./settings";

export type ClientState = "stopped" | "starting" | "running" | "failed";

/** Markdown notes, and the vault's own YAML files (rules, codex types, config). */
export const DOCUMENTS = [
  { scheme: "file", language: "markdown" },
  { scheme: "file", pattern: "**/.vespera/hooks/*.md" },
  { scheme: "file", pattern: "**/.vespera/rules/**/*.{yaml,yml}" },
  { scheme: "file", pattern: "**/.vespera/types/*.{yaml,yml}" },
  { scheme: "file", pattern: "**/.vespera/config.yaml" },
];

/** Commands of the server that the extension carries out itself (a better view of the same). */
export type CommandOverride = (args: unknown[]) => Promise<unknown>;

const RESTARTS = 4; // crashes allowed within RESTART_WINDOW_MS before giving up
const RESTART_WINDOW_MS = 3 * 60_000;

/** Asks the server for every custom notification (the experimental capabilities). */
class VesperaCapabilities implements StaticFeature {
  fillClientCapabilities(capabilities: { experimental?: unknown }): void {
    const current = (capabilities.experimental ?? {}) as Record<string, unknown>;
    capabilities.experimental = { ...current, ...experimentalCapabilities(CAPABILITIES) };
  }
  initialize(): void {}
  getState(): { kind: "static" } {
    return { kind: "static" };
  }
  clear(): void {}
}

export class VesperaClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private stopping = false;
  private starting: Promise<boolean> | undefined;
  private crashes: number[] = [];
  private readonly states = new vscode.EventEmitter<ClientState>();
  private readonly statusEvents = new vscode.EventEmitter<StatusParams>();
  private readonly resultEvents = new vscode.EventEmitter<AutomationResultParams>();

  /** The typed custom requests, while the server runs. */
  api: VesperaApi | undefined;
  state: ClientState = "stopped";
  /** Why the server is not running, when it failed to start. */
  problem: StartProblem | undefined;
  /** The latest `vespera/status` of each vault, by its URI. */
  readonly statuses = new Map<string, StatusParams>();

  readonly onDidChangeState = this.states.event;
  readonly onStatus = this.statusEvents.event;
  readonly onAutomationResult = this.resultEvents.event;

  constructor(
    private readonly output: vscode.OutputChannel,
    private readonly overrides: ReadonlyMap<string, CommandOverride> = new Map(),
  ) {}

  get trusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  /** Starts the server; false (and `problem` says why, and the writer was told) if it could
   * not. A start under way is joined, not doubled. */
  start(): Promise<boolean> {
    if (this.client && !this.starting) {
      return Promise.resolve(this.state === "running");
    }
    this.starting ??= this.begin().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async begin(): Promise<boolean> {
    this.setState("starting");
    const launch = launchOf(launchSettings());
    this.output.appendLine(`Starting ${commandLine(launch)}`);
    const checked = await probe(launch);
    if ("problem" in checked) {
      this.fail(checked.problem);
      return false;
    }
    const client = new LanguageClient("vespera", "Vespera", this.serverOptions(launch), this.options());
    client.registerFeature(new VesperaCapabilities());
    const api = new VesperaApi({
      sendRequest: (method, params) => client.sendRequest(method, params),
      onNotification: (method, handler) => client.onNotification(method, handler),
    });
    api.on(STATUS, (params) => {
      this.statuses.set(params.vault, params);
      this.statusEvents.fire(params);
    });
    api.on(AUTOMATION_RESULT, (params) => this.resultEvents.fire(params));
    client.onDidChangeState(({ newState }) => {
      if (newState === State.Running) {
        this.setState("running");
      } else if (newState === State.Stopped && !this.stopping && this.state === "running") {
        this.setState("starting"); // the error handler restarts it, or gives up below
      }
    });
    this.client = client;
    this.stopping = false;
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      this.fail({
        message: `Vespera ${checked.version} started but did not finish initialising: ${String(error)}`,
        fix: "Open the 'Vespera' output for the server's log, then restart the server.",
        setting: launch.setting,
      });
      return false;
    }
    this.api = api;
    this.problem = undefined;
    this.setState("running");
    return true;
  }

  async stop(): Promise<void> {
    await this.starting; // a client still starting cannot be stopped
    const client = this.client;
    this.client = undefined;
    this.api = undefined;
    this.statuses.clear();
    if (client) {
      this.stopping = true;
      try {
        await client.stop(5_000);
      } catch (error) {
        this.output.appendLine(`Stopping the server: ${String(error)}`);
      }
    }
    this.setState("stopped");
  }

  async restart(): Promise<boolean> {
    await this.stop();
    this.crashes = [];
    return this.start();
  }

  /** Sends a server command (workspace/executeCommand); undefined while not running. */
  async executeServerCommand(command: string, args: unknown[] = []): Promise<unknown> {
    if (!this.client || this.state !== "running") {
      return undefined;
    }
    return this.client.sendRequest("workspace/executeCommand", { command, arguments: args });
  }

  /** Tells the server the settings changed (trust granted, say): it asks for them again. */
  async settingsChanged(): Promise<void> {
    if (this.client && this.state === "running") {
      await this.client.sendNotification("workspace/didChangeConfiguration", {
        settings: { [SECTION]: serverSettings(this.trusted) },
      });
    }
  }

  dispose(): void {
    void this.stop();
    this.states.dispose();
    this.statusEvents.dispose();
    this.resultEvents.dispose();
  }

  private serverOptions(launch: Launch): ServerOptions {
    return {
      command: launch.command,
      args: launch.args,
      transport: TransportKind.stdio,
      options: { env: process.env },
    };
  }

  private options(): LanguageClientOptions {
    return {
      documentSelector: DOCUMENTS,
      outputChannel: this.output,
      initializationOptions: serverSettings(this.trusted),
      errorHandler: this.errorHandler(),
      middleware: {
        workspace: {
          // Answers for the `vespera` section come from the extension: the user's settings
          // plus the editor's trust, which no settings file can claim.
          configuration: async (params, token, next) => {
            const answers = await next(params, token);
            if (!Array.isArray(answers)) {
              return answers;
            }
            return params.items.map((item, i) =>
              item.section === SECTION ? serverSettings(this.trusted) : answers[i],
            );
          },
        },
        executeCommand: async (command, args, next) => {
          const override = this.overrides.get(command);
          return override ? override(args) : next(command, args);
        },
      },
    };
  }

  private errorHandler(): ErrorHandler {
    return {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        // Closed while starting: start() reports the failure; the library must not restart a
        // client the extension is about to drop.
        if (this.stopping || this.starting) {
          return { action: CloseAction.DoNotRestart, handled: true };
        }
        const now = Date.now();
        this.crashes = [...this.crashes.filter((t) => now - t < RESTART_WINDOW_MS), now];
        if (this.crashes.length <= RESTARTS) {
          this.output.appendLine(`The server stopped unexpectedly; restarting (${this.crashes.length} of ${RESTARTS}).`);
          return { action: CloseAction.Restart, handled: true };
        }
        this.client = undefined;
        this.api = undefined;
        this.fail({
          message: `The Vespera server stopped ${this.crashes.length} times in three minutes; it was not restarted again.`,
          fix: "Open the 'Vespera' output for its log, then restart the server.",
          setting: "vespera.server.command",
        });
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    };
  }

  private fail(problem: StartProblem): void {
    this.problem = problem;
    this.output.appendLine(`${problem.message} ${problem.fix}`);
    this.setState("failed");
    void this.tellProblem(problem);
  }

  private async tellProblem(problem: StartProblem): Promise<void> {
    const settings = "Open Settings";
    const output = "Show Output";
    const retry = "Retry";
    const answer = await vscode.window.showErrorMessage(
      `Vespera could not start. ${problem.message} ${problem.fix}`,
      settings,
      output,
      retry,
    );
    if (answer === settings) {
      await vscode.commands.executeCommand("workbench.action.openSettings", problem.setting);
    } else if (answer === output) {
      this.output.show(true);
    } else if (answer === retry) {
      await this.restart();
    }
  }

  private setState(state: ClientState): void {
    if (state !== this.state) {
      this.state = state;
      this.states.fire(state);
    }
  }
}
