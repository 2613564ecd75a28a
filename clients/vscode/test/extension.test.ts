// The extension's composition: what it registers with VS Code, what it sends the server at
// start, and workspace trust.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterEach, test } from "node:test";
import { CAPABILITIES, STATUS, USER_SETTINGS } from "@vespera/protocol";
import { DOCUMENTS } from "../src/client";
import { LanguageClient } from "./fake/languageClient";
import { fake, workspace } from "./fake/vscode";
import { activated, type Activated } from "./helpers";

const manifest = JSON.parse(readFileSync("package.json", "utf8")) as {
  contributes: {
    commands: { command: string }[];
    configuration: { properties: Record<string, { scope?: string; markdownDescription?: string }> }[];
    views: Record<string, { id: string }[]>;
  };
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
};

let running: Activated | undefined;
afterEach(() => running?.dispose());

test("every command of the manifest is registered, and every registered command is declared", async () => {
  running = await activated();
  const declared = manifest.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual([...fake.commands.keys()].sort(), declared);
});

test("the views, the status bar item and the read-only documents are registered", async () => {
  running = await activated();
  const views = Object.values(manifest.contributes.views).flat().map((v) => v.id).sort();
  assert.deepEqual([...fake.treeViews.keys()].sort(), views);
  assert.equal(fake.statusItems.length, 1);
  assert.equal(fake.statusItems[0]!.command, "vespera.showStatus");
  assert.deepEqual([...fake.providers.keys()].sort(), ["vespera", "vespera-run"]);
});

test("the server starts with the user's settings, the documents and every custom notification", async () => {
  running = await activated(() => {
    fake.config.set("vespera.diagnosticsDelayMs", 100);
    fake.config.set("vespera.semantic", false);
    fake.config.set("vespera.server.args", ["-v"]);
  });
  const { language, client } = running;
  assert.equal(client.state, "running");
  assert.deepEqual(language.server.args, ["serve", "-v"]);
  assert.deepEqual(language.options.initializationOptions, { diagnosticsDelayMs: 100, semantic: false, trusted: true });
  assert.deepEqual(language.options.documentSelector, DOCUMENTS);
  const capabilities = language.capabilities() as { experimental: { vespera: Record<string, boolean> } };
  for (const key of CAPABILITIES) assert.equal(capabilities.experimental.vespera[key], true);
});

test("every server setting is declared in the manifest, machine-only launch settings included", () => {
  const properties = Object.assign({}, ...manifest.contributes.configuration.map((c) => c.properties));
  for (const key of USER_SETTINGS) {
    assert.ok(properties[`vespera.${key}`]?.markdownDescription, `vespera.${key} is not declared`);
  }
  assert.equal(properties["vespera.trusted"], undefined, "trust must not be a setting");
  for (const key of ["vespera.server.command", "vespera.server.python", "vespera.server.args"]) {
    assert.equal(properties[key].scope, "machine", `${key} must not be settable by a workspace`);
    assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(key));
  }
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, "limited");
});

test("an untrusted workspace is told to the server, whatever its settings files claim", async () => {
  running = await activated(() => {
    workspace.isTrusted = false;
    fake.config.set("vespera.trusted", true); // a vault's .vscode/settings.json trying it on
  });
  const { language } = running;
  assert.equal((language.options.initializationOptions as { trusted: boolean }).trusted, false);
  const answer = await language.options.middleware.workspace.configuration(
    { items: [{ section: "vespera" }, { section: "editor" }] },
    undefined,
    () => [{ trusted: true }, { tabSize: 2 }],
  );
  assert.equal((answer[0] as { trusted: boolean }).trusted, false);
  assert.deepEqual(answer[1], { tabSize: 2 });
  assert.match(fake.statusItems[0]!.text, /automation off/);
  assert.match(fake.statusItems[0]!.tooltip, /not trusted/);
});

test("granting trust tells the running server at once", async () => {
  running = await activated(() => {
    workspace.isTrusted = false;
  });
  fake.grantTrust();
  await fake.until(() => running!.language.sent.length, "didChangeConfiguration");
  const sent = running.language.sent[0]!;
  assert.equal(sent.method, "workspace/didChangeConfiguration");
  assert.deepEqual(sent.params, { settings: { vespera: { trusted: true } } });
  await fake.until(() => !/automation off/.test(fake.statusItems[0]!.text), "the status bar to follow");
});

test("status notifications show indexing, then the vault ready", async () => {
  running = await activated();
  const vault = "file:///vaults/Novel";
  running.language.notify(STATUS, { vault, state: "indexing", indexed: 30, total: 120 });
  assert.match(fake.statusItems[0]!.text, /Indexing 30\/120/);
  running.language.notify(STATUS, { vault, state: "ready", notes: 120, problems: 3, semantic: "embedding", pending: 40 });
  assert.match(fake.statusItems[0]!.text, /Embedding, 40 to go/);
  assert.match(fake.statusItems[0]!.tooltip, /Novel: 120 notes, 3 problems, embeddings embedding \(40 waiting\)/);
});

test("a server that cannot start says why, with the fix, and opens the right setting", async () => {
  running = await activated(() => {
    fake.config.set("vespera.server.command", "/nowhere/vespera");
    fake.answers.push("Open Settings");
  });
  assert.equal(running.client.state, "failed");
  const shown = fake.messages.find((m) => m.level === "error")!;
  assert.match(shown.text, /The command '\/nowhere\/vespera' was not found/);
  assert.match(shown.text, /pip install vespera/);
  assert.deepEqual(shown.items, ["Open Settings", "Show Output", "Retry"]);
  await fake.until(() => fake.executed.some((e) => e.id === "workbench.action.openSettings"), "settings opened");
  const opened = fake.executed.find((e) => e.id === "workbench.action.openSettings")!;
  assert.deepEqual(opened.args, ["vespera.server.command"]);
  assert.match(fake.statusItems[0]!.text, /error/);
});

test("a Python without Vespera is named, with the pip command to run", async () => {
  const { program } = await import("./helpers");
  const python = program("python3", "", "/usr/bin/python3: No module named vespera", 1);
  running = await activated(() => fake.config.set("vespera.server.python", python));
  assert.equal(running.client.state, "failed");
  const shown = fake.messages.find((m) => m.level === "error")!;
  assert.match(shown.text, /does not have Vespera installed/);
  assert.match(shown.text, new RegExp(`${python} -m pip install vespera`));
});

test("a crashing server is restarted a few times, then left stopped with a message", async () => {
  running = await activated();
  const handler = running.language.options.errorHandler;
  const actions = [];
  for (let i = 0; i < 5; i++) actions.push((await handler.closed()).action);
  assert.deepEqual(actions, [2, 2, 2, 2, 1]); // Restart four times, then DoNotRestart
  assert.equal(running.client.state, "failed");
  assert.match(fake.messages.at(-1)!.text, /stopped 5 times in three minutes/);
});

test("changing the server's command offers a restart", async () => {
  running = await activated();
  fake.answers.push("Restart");
  fake.changeConfiguration("vespera.server.command");
  const { LanguageClient } = await import("./fake/languageClient");
  await fake.until(() => LanguageClient.instances.length === 2, "a second client");
  assert.match(fake.messages[0]!.text, /restart it to use the new one/);
});

test("the open-note lens command is carried out by the extension, others go to the server", async () => {
  running = await activated();
  const middleware = running.language.options.middleware;
  const sent: string[] = [];
  await middleware.executeCommand("vespera.openNote", [{ vault: "file:///vaults/Novel", path: "Characters/Alice.md" }], (c) => sent.push(c));
  assert.equal(fake.opened.at(-1)!.uri.path, "/vaults/Novel/Characters/Alice.md");
  await middleware.executeCommand("vespera.related.more", [{}], (c) => sent.push(c));
  assert.deepEqual(sent, ["vespera.related.more"]);
});

test("a server that closes while starting is not restarted behind the extension's back", async () => {
  running = await activated();
  let open!: () => void;
  LanguageClient.startGate = new Promise<void>((resolve) => (open = resolve));
  const restarted = running.client.restart();
  await fake.until(() => LanguageClient.instances.length === 2, "the new client");
  const starting = LanguageClient.instances[1]!;
  await fake.until(() => starting.state === 3, "it to be starting"); // State.Starting
  assert.equal((await starting.options.errorHandler.closed()).action, 1, "DoNotRestart while starting");
  const stopped = running.client.stop(); // waits for the start under way, then stops it
  open();
  await restarted;
  await stopped;
  assert.equal(running.client.state, "stopped");
  assert.equal(starting.state, 1); // State.Stopped
});

test("a changed server setting is sent to the server at once, with the trust", async () => {
  running = await activated();
  fake.config.set("vespera.semantic", false);
  fake.changeConfiguration("vespera.semantic");
  await fake.until(() => running!.language.sent.length, "didChangeConfiguration");
  assert.deepEqual(running.language.sent[0], {
    method: "workspace/didChangeConfiguration",
    params: { settings: { vespera: { semantic: false, trusted: true } } },
  });
});
