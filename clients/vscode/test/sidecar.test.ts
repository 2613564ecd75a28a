// The extension's own client code against the real sidecar: `vespera serve` started from the
// extension's settings, a real JSON-RPC connection (vscode-jsonrpc) in place of VS Code's
// language client, the example vault in a temporary folder. It initialises untrusted, is
// trusted, completes a tag, fires a rule by marking a scene final, gets the run's
// notification, and undoes the run through the notification's button.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { AUTOMATION_STATUS, type AutomationResultParams } from "@vespera/protocol";
import { activate } from "../src/extension";
import type { VesperaClient } from "../src/client";
import { LanguageClient } from "./fake/languageClient";
import { fake, Uri, workspace } from "./fake/vscode";

const REPO = resolve(__dirname, "../../../..");
const scratch = mkdtempSync(join(tmpdir(), "vespera-sidecar-"));
const vault = join(scratch, "Novel");
const SCENE = "Scenes/The Storm.md";
const context = { subscriptions: [] as { dispose(): unknown }[] };
let client: VesperaClient;
let language: LanguageClient;
let vaultUri: string;
const results: AutomationResultParams[] = [];

/** The notes of the vault, path -> text. */
function snapshot(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (folder: string, prefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(join(folder, entry.name), rel);
      else if (entry.name.endsWith(".md")) out.set(rel, readFileSync(join(folder, entry.name), "utf8"));
    }
  };
  walk(vault, "");
  return out;
}

before(async () => {
  cpSync(join(REPO, "docs", "example-vault"), vault, { recursive: true });
  for (const name of ["DATA", "CONFIG"]) process.env[`VESPERA_${name}_DIR`] = join(scratch, name.toLowerCase());
  fake.reset();
  LanguageClient.instances = [];
  LanguageClient.spawn = true;
  // The server: VESPERA_PYTHON (with PYTHONPATH as needed) or VESPERA_COMMAND, else the
  // repository's own environment, which `make install` creates.
  const command = process.env.VESPERA_COMMAND ?? join(REPO, ".venv", "bin", "vespera");
  if (process.env.VESPERA_PYTHON) fake.config.set("vespera.server.python", process.env.VESPERA_PYTHON);
  else if (existsSync(command)) fake.config.set("vespera.server.command", command);
  else throw new Error(`No sidecar at ${command}: run 'make install' first, or set VESPERA_COMMAND.`);
  fake.config.set("vespera.semantic", false); // the model is the semantic tests' business
  fake.config.set("vespera.eventsIdleMs", 600_000); // only saving makes events here
  workspace.workspaceFolders = [{ uri: Uri.file(vault), name: "Novel", index: 0 }];
  vaultUri = Uri.file(vault).toString();
  workspace.isTrusted = false; // opened untrusted; the first test trusts it
  client = activate(context as never);
  await fake.until(() => client.state === "running" || client.state === "failed", "the sidecar to start", 30_000);
  language = LanguageClient.instances.at(-1)!;
  client.onAutomationResult((r) => results.push(r));
});

after(async () => {
  for (const s of context.subscriptions) s.dispose();
  await fake.until(() => language?.sidecar?.state === "stopped", "the server to stop", 15_000);
  rmSync(scratch, { recursive: true, force: true });
});

test("the sidecar starts from the extension's settings and indexes the vault", async () => {
  assert.equal(client.state, "running", `${client.problem?.message ?? ""}\n${language?.sidecar?.stderr ?? ""}`);
  await fake.until(() => client.statuses.get(vaultUri)?.state === "ready", "the vault to be indexed", 60_000);
  assert.ok((client.statuses.get(vaultUri)?.notes ?? 0) >= 20);
  assert.match(fake.statusItems[0]!.text, /Vespera/);
});

test("the workspace's trust reaches the server, and trusting it switches automation on", async () => {
  const status = () => client.api!.request(AUTOMATION_STATUS, { vault: vaultUri });
  const untrusted = await status();
  assert.equal(untrusted.enabled, false);
  assert.equal(untrusted.held, "the workspace is not trusted");
  fake.grantTrust();
  let trusted = await status();
  for (let i = 0; i < 100 && !trusted.enabled; i++) trusted = await status();
  assert.equal(trusted.enabled, true);
  assert.equal(trusted.held ?? null, null);
});

test("a tag is completed from the vault's tags", async () => {
  const uri = Uri.file(join(vault, SCENE)).toString();
  const text = readFileSync(join(vault, SCENE), "utf8");
  await language.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "markdown", version: 1, text } });
  const lines = text.split("\n");
  const typed = `${text}\n#mo`;
  await language.sendNotification("textDocument/didChange", {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text: typed }],
  });
  const answer = (await language.sendRequest("textDocument/completion", {
    textDocument: { uri },
    position: { line: lines.length, character: 3 },
  })) as { items: { label: string }[] } | { label: string }[];
  const items = Array.isArray(answer) ? answer : answer.items;
  const labels = items.map((i) => i.label);
  assert.ok(labels.some((l) => l.includes("mood:tense")), `offered: ${labels.join(", ")}`);
  await language.sendNotification("textDocument/didChange", { textDocument: { uri, version: 3 }, contentChanges: [{ text }] });
});

test("marking a scene final fires the rule, the editor is told, and Undo puts the vault back", async () => {
  const before = snapshot();
  const uri = Uri.file(join(vault, SCENE)).toString();
  const text = before.get(SCENE)!.replace("status:draft", "status:final");
  // The notification's Undo, then the confirmation's (the rule's own messages have no buttons).
  fake.responder = (shown) => (shown.items.includes("Undo") ? "Undo" : undefined);
  await language.sendNotification("textDocument/didChange", { textDocument: { uri, version: 4 }, contentChanges: [{ text }] });
  writeFileSync(join(vault, SCENE), text);
  await language.sendNotification("textDocument/didSave", { textDocument: { uri } });

  await fake.until(() => results.some((r) => r.ruleName === "Scene Completion Workflow"), "the rule's run", 30_000);
  const run = results.find((r) => r.ruleName === "Scene Completion Workflow")!;
  assert.equal(run.outcome, "succeeded", run.error ?? "");
  const created = (run.changes ?? []).filter((c) => c.kind === "created").map((c) => c.path);
  assert.ok(created.some((p) => p.startsWith("Tasks/")), `created: ${created.join(", ")}`);
  for (const path of created) assert.ok(existsSync(join(vault, path)), `${path} was not written`);

  // The notification, its Undo and the confirmation: every run that changed notes is undone.
  await fake.until(() => fake.messages.some((m) => m.modal), "the undo confirmation", 10_000);
  const notice = fake.messages.find((m) => m.text.startsWith("Vespera") && m.items.includes("Undo"))!;
  assert.deepEqual(notice.items, ["Show changes", "Undo", "Open trace"]);
  await fake.until(() => fake.messages.some((m) => /^Vespera undid/.test(m.text)), "the undo's report", 30_000).catch((error) => {
    throw new Error(`${String(error)}; shown: ${JSON.stringify(fake.messages)}`);
  });
  const after = snapshot();
  for (const path of created) assert.ok(!existsSync(join(vault, path)), `${path} was not deleted`);
  for (const [path, body] of before) {
    if (path !== SCENE) assert.equal(after.get(path), body, `${path} was not put back`);
  }
});
