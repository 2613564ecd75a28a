// A stand-in for vscode-languageclient, which needs a running VS Code. It does what the
// extension asks of the library, in one of two ways:
// - in memory (unit tests): requests are answered by `responders`, notifications are fired by
//   the test with `notify`;
// - over a real connection (`LanguageClient.spawn = true`): the clients' shared Sidecar starts
//   the server's process from the extension's ServerOptions and speaks JSON-RPC with
//   vscode-jsonrpc, sending the extension's initialization options and capabilities and
//   answering `workspace/configuration` through the extension's middleware, as the library does.
import { Sidecar } from "@vespera/client-core";
import { workspace } from "./vscode";

export enum State {
  Stopped = 1,
  Running = 2,
  Starting = 3,
}
export enum TransportKind {
  stdio = 0,
}
export enum ErrorAction {
  Continue = 1,
  Shutdown = 2,
}
export enum CloseAction {
  DoNotRestart = 1,
  Restart = 2,
}

type Handler = (params: unknown) => unknown;
type Options = {
  documentSelector: unknown[];
  initializationOptions: unknown;
  errorHandler: { closed(): { action: CloseAction } | Promise<{ action: CloseAction }> };
  middleware: {
    workspace: {
      configuration(params: { items: { section?: string }[] }, token: unknown, next: (p: { items: unknown[] }) => unknown): Promise<unknown[]>;
    };
    executeCommand(command: string, args: unknown[], next: (command: string, args: unknown[]) => unknown): Promise<unknown>;
  };
};
type Server = { command: string; args: string[]; options?: { env?: NodeJS.ProcessEnv } };

export class LanguageClient {
  /** Every client made, newest last. */
  static instances: LanguageClient[] = [];
  /** Start real server processes (the integration test) instead of answering in memory. */
  static spawn = false;
  /** In memory: request method -> answer. */
  static responders = new Map<string, Handler>();
  /** In memory: make `start` fail with this. */
  static failStart: Error | undefined;
  /** In memory: `start` waits for this before it resolves (a server slow to initialise). */
  static startGate: Promise<void> | undefined;

  readonly features: { fillClientCapabilities(c: Record<string, unknown>): void }[] = [];
  readonly requests: { method: string; params: unknown }[] = [];
  readonly sent: { method: string; params: unknown }[] = [];
  /** Server-to-client requests the integration test answers (workspace/applyEdit, say). */
  readonly serverRequests = new Map<string, Handler>();
  readonly notifications: { method: string; params: unknown }[] = [];
  state = State.Stopped;
  sidecar: Sidecar | undefined;
  private readonly handlers = new Map<string, Handler[]>();
  private readonly stateListeners: ((e: { oldState: State; newState: State }) => void)[] = [];

  constructor(
    readonly id: string,
    readonly name: string,
    readonly server: Server,
    readonly options: Options,
  ) {
    LanguageClient.instances.push(this);
  }

  registerFeature(feature: { fillClientCapabilities(c: Record<string, unknown>): void }): void {
    this.features.push(feature);
  }

  onDidChangeState(listener: (e: { oldState: State; newState: State }) => void): { dispose(): void } {
    this.stateListeners.push(listener);
    return { dispose() {} };
  }

  onNotification(method: string, handler: Handler): { dispose(): void } {
    this.handlers.set(method, [...(this.handlers.get(method) ?? []), handler]);
    this.sidecar?.onNotification(method, handler as never);
    return { dispose: () => this.handlers.set(method, (this.handlers.get(method) ?? []).filter((h) => h !== handler)) };
  }

  /** In memory: the server sends a notification. */
  notify(method: string, params: unknown): void {
    for (const handler of this.handlers.get(method) ?? []) handler(params);
  }

  /** The capabilities the extension's features fill in. */
  capabilities(): Record<string, unknown> {
    const capabilities: Record<string, unknown> = {
      workspace: {
        configuration: true,
        applyEdit: true,
        workspaceEdit: { documentChanges: true },
        didChangeConfiguration: { dynamicRegistration: false },
      },
      textDocument: {
        synchronization: { didSave: true, willSaveWaitUntil: false },
        completion: { completionItem: { snippetSupport: true } },
      },
      window: { workDoneProgress: true, showDocument: { support: true } },
    };
    for (const feature of this.features) feature.fillClientCapabilities(capabilities);
    return capabilities;
  }

  async start(): Promise<void> {
    this.setState(State.Starting);
    if (!LanguageClient.spawn) {
      await LanguageClient.startGate;
      if (LanguageClient.failStart) throw LanguageClient.failStart;
      this.setState(State.Running);
      return;
    }
    const sidecar = new Sidecar({
      launch: { command: this.server.command, args: this.server.args, setting: "vespera.server.command" },
      env: this.server.options?.env,
      folders: () => workspace.workspaceFolders.map((f) => ({ uri: f.uri.toString(), name: f.name })),
      capabilities: () => this.capabilities(),
      initializationOptions: () => this.options.initializationOptions,
      skipProbe: true, // the extension probed already
      backoff: [],
    });
    this.sidecar = sidecar;
    for (const [method, handlers] of this.handlers) for (const handler of handlers) sidecar.onNotification(method, handler as never);
    sidecar.onOtherNotification((method, params) => this.notifications.push({ method, params }));
    sidecar.onRequest("workspace/configuration", ((params: { items: { section?: string }[] }) =>
      this.options.middleware.workspace.configuration(params, undefined, (p) => p.items.map(() => null))) as never);
    sidecar.onOtherRequest((method, params) => {
      const handler = this.serverRequests.get(method);
      if (handler) return handler(params);
      if (method === "window/showDocument") return { success: true };
      return null; // registerCapability, workDoneProgress/create, refreshes, message requests
    });
    if (!(await sidecar.start())) throw new Error(`${sidecar.problem?.message} ${sidecar.stderr}`);
    this.setState(State.Running);
  }

  async stop(): Promise<void> {
    await this.sidecar?.stop();
    this.setState(State.Stopped);
  }

  async sendRequest(method: string, params: unknown): Promise<unknown> {
    this.requests.push({ method, params });
    if (this.sidecar) return this.sidecar.request(method, params);
    const responder = LanguageClient.responders.get(method);
    if (!responder) throw new Error(`no answer for ${method}`);
    return responder(params);
  }

  async sendNotification(method: string, params: unknown): Promise<void> {
    this.sent.push({ method, params });
    await this.sidecar?.notify(method, params);
  }

  private setState(newState: State): void {
    const oldState = this.state;
    this.state = newState;
    for (const listener of this.stateListeners) listener({ oldState, newState });
  }
}
