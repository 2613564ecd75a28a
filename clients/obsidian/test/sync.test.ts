// Document sync and edits against the fake Obsidian, with a recording stand-in for the sidecar.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CHANGE_QUIET_MS, DocumentSync } from "../src/documents";
import { EditApplier } from "../src/edits";
import { Locations } from "../src/uris";
import { App, TFile, Vault } from "./fake/obsidian";
import { scratch, until } from "./helpers";

const base = join(scratch, "Sync");
mkdirSync(join(base, "Scenes"), { recursive: true });
writeFileSync(join(base, "Scenes/A.md"), "---\ntype: scene\n---\nAlpha\n");
writeFileSync(join(base, "Scenes/B.md"), "Beta\n");

function setUp() {
  const app = new App(new Vault(base));
  const sent: { method: string; params: Record<string, any> }[] = [];
  const locations = new Locations(base);
  const sync = new DocumentSync(app as never, locations, {
    running: true,
    notify: async (method, params) => void sent.push({ method, params: params as Record<string, any> }),
  });
  sync.events();
  return { app, sent, locations, sync, edits: new EditApplier(app.vault as never, locations, sync) };
}

test("opening, typing, saving and closing a note are the sidecar's document messages", async () => {
  const { app, sent, locations, sync } = setUp();
  const editor = app.workspace.openNote(new TFile("Scenes/A.md"), "---\ntype: scene\n---\nAlpha\n");
  assert.deepEqual(sent.map((m) => m.method), ["textDocument/didOpen"]);
  assert.equal(sent[0]!.params.textDocument.uri, locations.uri("Scenes/A.md"));
  editor.replaceRange(" and more", { line: 3, ch: 5 });
  editor.replaceRange("!", { line: 3, ch: 14 });
  assert.equal(sent.length, 1, "typing is sent after a quiet moment, once");
  await new Promise((resolve) => setTimeout(resolve, CHANGE_QUIET_MS + 50));
  assert.deepEqual(sent[1], {
    method: "textDocument/didChange",
    params: { textDocument: { uri: locations.uri("Scenes/A.md"), version: 2 }, contentChanges: [{ text: "---\ntype: scene\n---\nAlpha and more!\n" }] },
  });
  await app.vault.modify(new TFile("Scenes/A.md"), editor.getValue()); // Obsidian saves
  assert.equal(sent.at(-1)!.method, "textDocument/didSave");
  app.workspace.leaves = [];
  app.workspace.trigger("layout-change");
  assert.equal(sent.at(-1)!.method, "textDocument/didClose");
  sync.dispose();
});

test("changes to closed notes are file events: created, changed, renamed, deleted", async () => {
  const { app, sent, locations } = setUp();
  const created = await app.vault.create("Scenes/C.md", "Gamma\n");
  await app.vault.modify(new TFile("Scenes/B.md"), "Beta, changed\n");
  await app.vault.rename(created, "Scenes/D.md");
  await app.vault.trash(new TFile("Scenes/D.md"));
  await until(() => sent.length === 4, "four file events");
  assert.deepEqual(
    sent.map((m) => [m.method, m.params.changes.map((c: { type: number; uri: string }) => `${c.type} ${locations.path(c.uri)}`)]),
    [
      ["workspace/didChangeWatchedFiles", ["1 Scenes/C.md"]],
      ["workspace/didChangeWatchedFiles", ["2 Scenes/B.md"]],
      ["workspace/didChangeWatchedFiles", ["3 Scenes/C.md", "1 Scenes/D.md"]], // a rename: one message
      ["workspace/didChangeWatchedFiles", ["3 Scenes/D.md"]],
    ],
  );
});

test("an edit goes through the open editor, or the vault for a closed note; a stale one is refused", async () => {
  const { app, locations, edits } = setUp();
  writeFileSync(join(base, "Scenes/B.md"), "Beta\n");
  const editor = app.workspace.openNote(new TFile("Scenes/A.md"), "---\ntype: scene\n---\nAlpha\n");
  const range = { start: { line: 3, character: 0 }, end: { line: 3, character: 5 } };
  const result = await edits.apply({
    documentChanges: [
      { textDocument: { uri: locations.uri("Scenes/A.md"), version: 1 }, edits: [{ range, newText: "Omega" }] },
      { textDocument: { uri: locations.uri("Scenes/B.md"), version: null }, edits: [{ range: { start: { line: 0, character: 4 }, end: { line: 0, character: 4 } }, newText: "!" }] },
    ],
  });
  assert.deepEqual(result, { applied: true });
  assert.equal(editor.getValue(), "---\ntype: scene\n---\nOmega\n");
  assert.equal(editor.transactions.at(-1)!.origin, "vespera", "one transaction of the editor: undo takes it back");
  assert.equal(readFileSync(join(base, "Scenes/B.md"), "utf8"), "Beta!\n");
  editor.replaceRange("x", { line: 3, ch: 0 }); // the writer types before the next edit arrives
  const stale = await edits.apply({
    documentChanges: [{ textDocument: { uri: locations.uri("Scenes/A.md"), version: 1 }, edits: [{ range, newText: "Zeta" }] }],
  });
  assert.equal(stale.applied, false);
  assert.match(stale.failureReason!, /changed in the editor/);
  assert.equal(editor.getValue(), "---\ntype: scene\n---\nxOmega\n", "the writer's typing is kept");
});
