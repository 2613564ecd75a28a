// Loading the plugin into the fake Obsidian, for the tests.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import VesperaPlugin from "../src/main";
import { App, Setting, shown, Vault, type Plugin } from "./fake/obsidian";

export const scratch = mkdtempSync(join(tmpdir(), "vespera-obsidian-"));

/** An executable that prints `stdout` (and `stderr`) and exits with `code`. */
export function program(name: string, stdout: string, stderr = "", code = 0): string {
  const path = join(scratch, name);
  writeFileSync(path, `#!/bin/sh\nprintf '%s' '${stdout}'\nprintf '%s' '${stderr}' >&2\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

export type Loaded = { plugin: VesperaPlugin & Plugin; app: App };

/** The plugin loaded on the vault at `base` with `data` as its saved settings. */
export async function loaded(base: string, data: unknown): Promise<Loaded> {
  shown.reset();
  Setting.all = [];
  const app = new App(new Vault(base));
  const plugin = new VesperaPlugin(app as never, {} as never) as VesperaPlugin & Plugin;
  plugin.data = data;
  await plugin.onload();
  return { plugin, app };
}

/** Resolves once `check` holds (checked every 10 ms), or fails after `ms`. */
export async function until(check: () => unknown, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
