// A typed face over any JSON-RPC connection to the sidecar: the VS Code client's
// LanguageClient and a plain vscode-jsonrpc connection both fit `Endpoint`, so the editor
// code and the tests that drive the real sidecar call the same methods with the same types.
import type { Notifications, Requests } from "./protocol";

export interface Disposable {
  dispose(): void;
}

/** What a connection must offer: requests out, notifications in. */
export interface Endpoint {
  sendRequest(method: string, params: unknown): Promise<unknown>;
  onNotification(method: string, handler: (params: unknown) => void): Disposable;
}

export type RequestMethod = keyof Requests;
export type NotificationMethod = keyof Notifications;
export type ParamsOf<M extends RequestMethod> = Requests[M]["params"];
export type ResultOf<M extends RequestMethod> = Requests[M]["result"];

/** Vespera's custom requests and notifications, typed by the method they name. */
export class VesperaApi {
  constructor(private readonly endpoint: Endpoint) {}

  request<M extends RequestMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    return this.endpoint.sendRequest(method, params) as Promise<ResultOf<M>>;
  }

  on<M extends NotificationMethod>(
    method: M,
    handler: (params: Notifications[M]) => void,
  ): Disposable {
    return this.endpoint.onNotification(method, handler as (params: unknown) => void);
  }
}

/** The `capabilities.experimental` a client sends to receive every custom notification. */
export function experimentalCapabilities(keys: readonly string[]): {
  vespera: Record<string, boolean>;
} {
  return { vespera: Object.fromEntries(keys.map((key) => [key, true])) };
}
