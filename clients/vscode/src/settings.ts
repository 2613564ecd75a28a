// The extension's settings: how to start the sidecar, what the server is sent, and the
// writer's choices for notifications. The server's own settings are declared in the manifest
// from the server's schema (`vespera schemas`), and their keys come from the same place.
import * as vscode from "vscode";
import { USER_SETTINGS, type ServerSettings } from "@vespera/protocol";
import type { LaunchSettings, NotifyMode } from "@vespera/client-core";

export const SECTION = "vespera";

export function launchSettings(): LaunchSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  return {
    command: config.get<string>("server.command", "vespera"),
    python: config.get<string>("server.python", ""),
    args: config.get<string[]>("server.args", []),
  };
}

/**
 * What the server is sent as its settings. `trusted` is the editor's workspace trust, never a
 * value from a settings file: a vault's own `.vscode/settings.json` cannot claim trust.
 */
export function serverSettings(trusted: boolean): ServerSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const out: Record<string, unknown> = {};
  for (const key of USER_SETTINGS) {
    const value = config.get<unknown>(key);
    if (value !== undefined && value !== null) {
      out[key] = value;
    }
  }
  return { ...(out as ServerSettings), trusted };
}

export function notifyMode(): NotifyMode {
  return vscode.workspace.getConfiguration(SECTION).get<NotifyMode>("notifications", "changes");
}

export function relatedLimit(): number {
  return vscode.workspace.getConfiguration(SECTION).get<number>("related.limit", 10);
}

/** Whether a configuration change touches how the sidecar is started (a restart is needed). */
export function affectsLaunch(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(`${SECTION}.server`);
}
