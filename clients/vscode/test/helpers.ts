// Setting up the extension against the fakes, for the unit tests.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AutomationResultParams } from "@vespera/protocol";
import { activate } from "../src/extension";
import type { VesperaClient } from "../src/client";
import { LanguageClient } from "./fake/languageClient";
import { fake, Uri, workspace } from "./fake/vscode";

const scratch = mkdtempSync(join(tmpdir(), "vespera-vscode-"));

/** An executable that prints `stdout` (and `stderr`) and exits with `code`. */
export function program(name: string, stdout: string, stderr = "", code = 0): string {
  const path = join(scratch, name);
  writeFileSync(path, `#!/bin/sh\nprintf '%s' '${stdout}'\nprintf '%s' '${stderr}' >&2\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

export const VAULT = Uri.file("/vaults/Novel");

export interface Activated {
  client: VesperaClient;
  language: LanguageClient;
  dispose(): void;
}

/** Resets the fakes, opens the vault folder and activates the extension with a server that
 * answers `--version`; `setup` runs before activation. */
export async function activated(setup: () => void = () => {}): Promise<Activated> {
  fake.reset();
  LanguageClient.instances = [];
  LanguageClient.spawn = false;
  LanguageClient.failStart = undefined;
  LanguageClient.startGate = undefined;
  LanguageClient.responders = new Map();
  fake.config.set("vespera.server.command", program("vespera", "vespera 0.1.0\n"));
  workspace.workspaceFolders = [{ uri: VAULT, name: "Novel", index: 0 }];
  setup();
  const context = { subscriptions: [] as { dispose(): unknown }[] };
  const client = activate(context as never);
  await fake.until(() => client.state === "running" || client.state === "failed", "the client to start");
  return {
    client,
    language: LanguageClient.instances.at(-1)!,
    dispose: () => context.subscriptions.forEach((s) => s.dispose()),
  };
}

export function result(overrides: Partial<AutomationResultParams> = {}): AutomationResultParams {
  return {
    vault: VAULT.toString(),
    run: "r1",
    rule: "final-review",
    ruleName: "Review tasks when a scene is final",
    outcome: "succeeded",
    event: {
      id: "e1",
      type: "vespera.note.tag_added",
      subject: "Scenes/Storm.md",
      source: "vespera",
      specversion: "1.0",
      time: "2026-11-22T10:00:00Z",
      actor: "editor",
      correlationid: "c1",
    },
    changes: [{ kind: "created", path: "Tasks/Review Alice.md", summary: "created from a template" }],
    ...overrides,
  };
}

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
