// The sidecar as a child process and a JSON-RPC connection over its stdio: started from a
// launch (after a --version probe), initialised for the vault folders, restarted after a
// crash with growing pauses, shut down cleanly. The Obsidian plugin uses it as its client;
// the VS Code extension's tests use it where VS Code's own language client would run.
import { spawn, type ChildProcess } from "node:child_process";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node";
import { VesperaApi } from "@vespera/protocol";
import { commandLine, probe, type Launch, type StartProblem } from "./launch";

export type SidecarState = "stopped" | "starting" | "running" | "failed";
type Handler = (params: never) => unknown;

export interface SidecarOptions {
  /** How to start it: read again at each start, so a restart takes new settings. */
  launch: Launch | (() => Launch);
  env?: NodeJS.ProcessEnv;
  /** The vaults: workspace folders as LSP names them. */
  folders: () => { uri: string; name: string }[];
  /** The client capabilities sent in `initialize`. */
  capabilities: () => Record<string, unknown>;
  initializationOptions: () => unknown;
  /** Pauses before each restart after a crash, in ms; after the last, it stays stopped. */
  backoff?: number[];
  /** Skip the --version probe (a test's fake server, say). */
  skipProbe?: boolean;
  log?: (line: string) => void;
}

/** Crash-restart pauses: 1 s, 2 s, 5 s, 10 s, 30 s, then give up (a broken install). */
export const BACKOFF = [1_000, 2_000, 5_000, 10_000, 30_000];
/** A server that ran this long is healthy again: the next crash starts the pauses over. */
const HEALTHY_MS = 60_000;

export class Sidecar {
  state: SidecarState = "stopped";
  problem: StartProblem | undefined;
  connection: MessageConnection | undefined;
  process: ChildProcess | undefined;
  api: VesperaApi | undefined;
  /** The end of the server's stderr (its last words, for a crash report). */
  stderr = "";
  private readonly requests = new Map<string, Handler>();
  private readonly notifications = new Map<string, Handler[]>();
  private readonly stateListeners: ((state: SidecarState) => void)[] = [];
  private otherRequests: (method: string, params: unknown) => unknown = () => null;
  private otherNotifications: (method: string, params: unknown) => void = () => {};
  private stopping = false;
  private starting: Promise<boolean> | undefined;
  private crashes = 0;
  private startedAt = 0;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: SidecarOptions) {}

  /** Answers the server's `method` requests (registered again on every restart). */
  onRequest(method: string, handler: Handler): void {
    this.requests.set(method, handler);
    this.connection?.onRequest(method, handler as (params: unknown) => unknown);
  }

  /** Listens to the server's `method` notifications (on every restart too). The connection
   * holds one handler per method, which hands each notification to every listener. */
  onNotification(method: string, handler: Handler): { dispose(): void } {
    const listening = this.notifications.has(method);
    this.notifications.set(method, [...(this.notifications.get(method) ?? []), handler]);
    if (!listening) this.connection?.onNotification(method, (params: unknown) => this.dispatch(method, params));
    return {
      dispose: () => {
        this.notifications.set(method, (this.notifications.get(method) ?? []).filter((h) => h !== handler));
      },
    };
  }

  private dispatch(method: string, params: unknown): void {
    for (const handler of this.notifications.get(method) ?? []) (handler as (params: unknown) => void)(params);
  }

  /** What to answer requests nobody registered for (default: null). */
  onOtherRequest(handler: (method: string, params: unknown) => unknown): void {
    this.otherRequests = handler;
  }

  onOtherNotification(handler: (method: string, params: unknown) => void): void {
    this.otherNotifications = handler;
  }

  onDidChangeState(listener: (state: SidecarState) => void): void {
    this.stateListeners.push(listener);
  }

  /** Starts and initialises the server; false (and `problem` says why) if it could not. A
   * start under way is joined, not doubled. */
  start(): Promise<boolean> {
    if (this.connection) return Promise.resolve(this.state === "running");
    if (!this.starting) {
      clearTimeout(this.restartTimer);
      this.stopping = false;
      this.starting = this.begin().finally(() => (this.starting = undefined));
    }
    return this.starting;
  }

  private async begin(): Promise<boolean> {
    this.setState("starting");
    const launch = this.launch();
    this.log(`Starting ${commandLine(launch)}`);
    if (!this.options.skipProbe) {
      const checked = await probe(launch, this.options.env);
      if (this.stopping) return false; // stopped meanwhile: nothing was started
      if ("problem" in checked) return this.fail(checked.problem);
    }
    const child = spawn(launch.command, launch.args, { env: this.options.env ?? process.env, stdio: "pipe" });
    this.process = child;
    this.stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString("utf8")).slice(-4000);
    });
    const spawned = new Promise<Error | undefined>((resolve) => {
      child.once("spawn", () => resolve(undefined));
      child.once("error", (error) => resolve(error));
    });
    const error = await spawned;
    if (error) {
      this.process = undefined;
      return this.fail({
        message: `'${launch.command}' could not be started: ${error.message}`,
        fix: `Check '${launch.setting}'.`,
        setting: launch.setting,
      });
    }
    child.once("exit", (code, signal) => this.exited(child, code, signal));
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    this.connection = connection;
    for (const [method, handler] of this.requests) connection.onRequest(method, handler as (params: unknown) => unknown);
    for (const method of this.notifications.keys()) {
      connection.onNotification(method, (params: unknown) => this.dispatch(method, params));
    }
    connection.onRequest((method: string, params: unknown) => this.otherRequests(method, params));
    connection.onNotification((method: string, params: unknown) => this.otherNotifications(method, params));
    connection.listen();
    try {
      await connection.sendRequest("initialize", {
        processId: process.pid,
        clientInfo: { name: "vespera-client" },
        rootUri: this.options.folders()[0]?.uri ?? null,
        workspaceFolders: this.options.folders(),
        capabilities: this.options.capabilities(),
        initializationOptions: this.options.initializationOptions(),
      });
      await connection.sendNotification("initialized", {});
    } catch (error) {
      if (this.stopping) return false; // stop() tears it down
      this.connection = undefined;
      this.process = undefined; // its exit is no crash to restart from: it never started
      connection.dispose();
      child.kill();
      const last = this.stderr.trim().split(/\r?\n/).pop() ?? "";
      return this.fail({
        message: `The server did not finish initialising: ${String(error)}${last ? ` (${last})` : ""}`,
        fix: "Run it in a terminal ('vespera serve -v') to see the whole error.",
        setting: launch.setting,
      });
    }
    if (this.stopping) return false; // stop() shuts down what was started
    this.api = new VesperaApi({
      sendRequest: (method, params) => connection.sendRequest(method, params),
      onNotification: (method, handler) => this.onNotification(method, handler as Handler),
    });
    this.startedAt = Date.now();
    this.problem = undefined;
    this.setState("running");
    return true;
  }

  /** Shuts the server down (shutdown, exit; killed if it lingers), after a start under way. */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.starting) {
      // Not initialised yet: nothing to shut down politely, and initialize may never answer.
      if (this.state !== "running") this.process?.kill();
      await this.starting;
    }
    const connection = this.connection;
    const child = this.process;
    this.connection = undefined;
    this.api = undefined;
    if (connection && child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      const timer = setTimeout(() => child.kill(), timeoutMs);
      try {
        await Promise.race([connection.sendRequest("shutdown"), exited]);
        await connection.sendNotification("exit");
      } catch {
        child.kill();
      }
      await exited;
      clearTimeout(timer);
    }
    connection?.dispose();
    this.process = undefined;
    this.setState("stopped");
  }

  async restart(): Promise<boolean> {
    await this.stop();
    this.crashes = 0;
    return this.start();
  }

  async request<T = unknown>(method: string, params: unknown): Promise<T> {
    if (!this.connection) throw new Error("The Vespera server is not running.");
    return this.connection.sendRequest(method, params) as Promise<T>;
  }

  /** Sends a notification; one the closing connection cannot take is dropped (and logged):
   * the server reads the editor's state again when it starts. */
  async notify(method: string, params: unknown): Promise<void> {
    try {
      await this.connection?.sendNotification(method, params);
    } catch (error) {
      this.log(`${method} not sent: ${String(error)}`);
    }
  }

  private exited(child: ChildProcess, code: number | null, signal: string | null): void {
    if (child !== this.process) return;
    // Only a server that was serving crashed: one that died while starting is reported by
    // start() as a failure, and is not restarted in a loop.
    const crashed = this.state === "running";
    this.connection?.dispose();
    this.connection = undefined;
    this.api = undefined;
    this.process = undefined;
    if (this.stopping || !crashed) return;
    if (Date.now() - this.startedAt > HEALTHY_MS) this.crashes = 0;
    const pauses = this.options.backoff ?? BACKOFF;
    const last = this.stderr.trim().split(/\r?\n/).pop() ?? "";
    const why = `The Vespera server stopped (${signal ?? `exit ${code}`})${last ? `: ${last}` : ""}.`;
    if (this.crashes >= pauses.length) {
      this.fail({
        message: `${why} It stopped ${this.crashes + 1} times; it was not restarted again.`,
        fix: "Look at its log, then restart it.",
        setting: this.launch().setting,
      });
      return;
    }
    const pause = pauses[this.crashes++]!;
    this.log(`${why} Restarting in ${pause / 1000} s.`);
    this.setState("starting");
    this.restartTimer = setTimeout(() => void this.start(), pause);
  }

  private launch(): Launch {
    const { launch } = this.options;
    return typeof launch === "function" ? launch() : launch;
  }

  private fail(problem: StartProblem): false {
    this.problem = problem;
    this.log(`${problem.message} ${problem.fix}`);
    this.setState("failed");
    return false;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private setState(state: SidecarState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}
