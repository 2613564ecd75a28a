// The plugin's composition and settings, against the fake Obsidian, with stand-in programs
// for the sidecar.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, test } from "node:test";
import { launchOf, Sidecar } from "@vespera/client-core";
import { readSettings, DEFAULTS } from "../src/settings";
import { PROBLEMS_VIEW, RELATED_VIEW, RUNS_VIEW } from "../src/views";
import { Setting, shown, type PluginSettingTab } from "./fake/obsidian";
import { loaded, program, scratch, until, type Loaded } from "./helpers";

const vault = join(scratch, "Empty");
mkdirSync(vault, { recursive: true });
let current: Loaded | undefined;
afterEach(async () => current?.plugin.onunload());

test("loading registers the commands, views, completions, underlines, settings and status", async () => {
  current = await loaded(vault, { command: "/nowhere/vespera" });
  const { plugin, app } = current;
  assert.deepEqual(
    plugin.commands.map((c) => c.id),
    ["dry-run-rule", "replay-rule", "explain-rule", "undo-last-run", "show-status", "search", "restart-server", "open-runs", "open-related", "open-problems"],
  );
  assert.deepEqual([...app.workspace.creators.keys()].sort(), [PROBLEMS_VIEW, RELATED_VIEW, RUNS_VIEW].sort());
  assert.equal(plugin.suggests.length, 1);
  assert.equal(plugin.editorExtensions.length, 1);
  assert.equal(plugin.settingTabs.length, 1);
  assert.equal(plugin.statusBar.length, 1);
  assert.ok(plugin.events.length >= 7, "document sync and vault events are registered");
});

test("a sidecar that cannot start is told with its fix, and the status bar says so", async () => {
  current = await loaded(vault, { command: "/nowhere/vespera" });
  await until(() => shown.notices.length, "the notice");
  const notice = shown.notices[0]!;
  assert.match(notice.message, /Vespera could not start. The command '\/nowhere\/vespera' was not found/);
  assert.match(notice.message, /pip install vespera/);
  assert.equal(notice.duration, 0, "it stays until dismissed");
  assert.match(current.plugin.statusBar[0]!.text, /not running/);
});

test("a Python without Vespera is named, with the pip command", async () => {
  const python = program("python3", "", "No module named vespera", 1);
  current = await loaded(vault, { python });
  await until(() => shown.notices.length, "the notice");
  assert.match(shown.notices[0]!.message, new RegExp(`${python} -m pip install vespera`));
});

test("settings are read with defaults, and odd stored values do not break them", () => {
  assert.deepEqual(readSettings(undefined), DEFAULTS);
  assert.deepEqual(readSettings({ command: 3, args: ["-v", 2], notifications: "loud", server: { semantic: false } }), {
    ...DEFAULTS,
    args: ["-v"],
    server: { semantic: false },
  });
});

test("the settings tab saves a new command and restarts the sidecar with it", async () => {
  current = await loaded(vault, { command: "/nowhere/vespera" });
  await until(() => shown.notices.length, "the first failure");
  const tab = current.plugin.settingTabs[0] as PluginSettingTab & { display(): void };
  tab.display();
  const command = Setting.all.find((s) => s.name === "Vespera command")!;
  // A stand-in that answers --version, then fails to serve as a broken install would.
  const broken = join(scratch, "vespera-broken");
  writeFileSync(broken, '#!/bin/sh\n[ "$1" = --version ] && { echo vespera 0.1.0; exit 0; }\necho "cannot open the vault: disk full" >&2\nsleep 0.3\nexit 1\n');
  chmodSync(broken, 0o755);
  await (command.controls[0]!.change as (v: string) => Promise<void>)(broken);
  assert.equal((current.plugin.data as { command: string }).command, broken);
  await until(() => shown.notices.length === 2, "the second attempt");
  assert.match(shown.notices[1]!.message, /did not finish initialising.*cannot open the vault: disk full/);
  // A server that dies while starting is reported once, not restarted in a loop.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal(shown.notices.length, 2);
  assert.equal(current.plugin.bridge.sidecar.state, "failed");
  const semantic = Setting.all.find((s) => s.name === "Related notes and semantic search")!;
  await (semantic.controls[0]!.change as (v: boolean) => Promise<void>)(false);
  assert.deepEqual((current.plugin.data as { server: unknown }).server, { semantic: false });
});

test("stopping a sidecar that never answers initialize ends it, and starts are not doubled", async () => {
  const silent = join(scratch, "vespera-silent");
  writeFileSync(silent, '#!/bin/sh\n[ "$1" = --version ] && { echo vespera 0.1.0; exit 0; }\nexec sleep 30\n');
  chmodSync(silent, 0o755);
  const sidecar = new Sidecar({
    launch: launchOf({ command: silent, python: "", args: [] }),
    folders: () => [],
    capabilities: () => ({}),
    initializationOptions: () => ({}),
  });
  const first = sidecar.start();
  assert.equal(sidecar.start(), first, "a second start joins the first");
  await until(() => sidecar.process, "the process");
  const child = sidecar.process!;
  await sidecar.stop();
  assert.equal(await first, false);
  assert.equal(sidecar.state, "stopped");
  await until(() => child.exitCode !== null || child.signalCode !== null, "the process to end");
  assert.equal(sidecar.process, undefined);
});
