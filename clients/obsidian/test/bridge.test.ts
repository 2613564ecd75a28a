// The plugin against the real sidecar: `vespera serve` spawned from the plugin's settings on a
// copy of the example vault, the fake Obsidian around it. A full round trip: initialise, open
// a note, complete a tag, change the scene's mood, the rule's edit arriving through
// workspace/applyEdit in the open editor, the notice, and Undo putting the note back.
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import type { VesperaSuggest } from "../src/suggest";
import { shown, SuggestModal, TFile, type FakeEditor, type FakeElement } from "./fake/obsidian";
import { loaded, scratch, until, type Loaded } from "./helpers";

const REPO = resolve(__dirname, "../../../..");
const vault = join(scratch, "Novel");
const SCENE = "Scenes/The Storm.md";
let current: Loaded;
let editor: FakeEditor;
const music = () => /^music: (.*)$/m.exec(editor.getValue())?.[1];

before(async () => {
  cpSync(join(REPO, "docs", "example-vault"), vault, { recursive: true });
  for (const name of ["DATA", "CONFIG"]) process.env[`VESPERA_${name}_DIR`] = join(scratch, name.toLowerCase());
  const command = process.env.VESPERA_COMMAND ?? join(REPO, ".venv", "bin", "vespera");
  const python = process.env.VESPERA_PYTHON ?? "";
  if (!python && !existsSync(command)) throw new Error(`No sidecar at ${command}: run 'make install' first, or set VESPERA_COMMAND.`);
  current = await loaded(vault, { command, python, server: { semantic: false, eventsIdleMs: 600_000 } });
});

after(async () => {
  await current.plugin.onunload();
  assert.equal(current.plugin.bridge.sidecar.state, "stopped");
});

test("the sidecar starts for the vault's folder and indexes it", async () => {
  const { bridge } = current.plugin;
  await until(() => bridge.status?.state === "ready", "the vault to be indexed", 60_000);
  assert.equal(bridge.status!.vault, bridge.locations.folderUri);
  assert.ok((bridge.status!.notes ?? 0) >= 20);
  assert.match(current.plugin.statusBar[0]!.text, /Vespera: \d+ notes/);
});

test("an open note is completed from the vault's tags, through the editor suggest", async () => {
  const text = readFileSync(join(vault, SCENE), "utf8");
  editor = current.app.workspace.openNote(new TFile(SCENE), text);
  const lines = editor.lineCount();
  editor.replaceRange("\n#mo", { line: lines - 1, ch: editor.getLine(lines - 1).length });
  const suggest = current.plugin.suggests[0] as VesperaSuggest & { context: unknown };
  const cursor = { line: lines, ch: 3 };
  const context = suggest.onTrigger(cursor, editor as never, new TFile(SCENE) as never);
  assert.deepEqual(context, { start: { line: lines, ch: 1 }, end: cursor, query: "mo" });
  suggest.context = { ...context, editor, file: new TFile(SCENE) } as never;
  const items = await suggest.getSuggestions(suggest.context as never);
  const tense = items.find((i) => i.label.includes("mood:tense"));
  assert.ok(tense, `offered: ${items.map((i) => i.label).join(", ")}`);
  suggest.selectSuggestion(tense);
  assert.equal(editor.getLine(lines), "#mood:tense");
  editor.setValue(text); // the writer takes it back
});

test("a mood change fires the rule, its edit lands in the open editor, and Undo puts it back", async () => {
  const before = editor.getValue();
  assert.equal(music(), '"[[Battle Drums]]"');
  editor.setValue(before.replace("mood:tense", "mood:peaceful"));
  // Obsidian saves the editor's text: the file changes on disk and the vault says so.
  await current.app.vault.modify(new TFile(SCENE), editor.getValue());

  await until(() => music() !== '"[[Battle Drums]]"', "the rule's edit in the editor", 30_000);
  assert.equal(music(), '"[[Forest Sounds]]"');
  assert.ok(editor.transactions.some((t) => t.origin === "vespera"), "the edit went through the editor (its undo has it)");
  await until(() => shown.notices.some((n) => n.noticeEl.text.includes("Undo")), "the notice", 10_000);
  const notice = shown.notices.find((n) => n.noticeEl.text.includes("Undo"))!;
  assert.match(notice.message, /Vespera: "Scene mood music" changed 1 note: The Storm.md\./);
  assert.ok(shown.notices.some((n) => /music is now Forest Sounds/.test(n.message)), "the rule's notify message");

  notice.noticeEl.button("Undo").click();
  await until(() => shown.modals.some((m) => m.isOpen), "the confirmation");
  shown.modals.find((m) => m.isOpen)!.contentEl.button("Undo").click();
  await until(() => music() === '"[[Battle Drums]]"', "the undo in the editor", 30_000);
  await until(() => shown.notices.some((n) => /^Vespera undid the run/.test(n.message)), "the undo's report");
  assert.equal(editor.getValue(), before.replace("mood:tense", "mood:peaceful"), "only the rule's change was taken back");
});

test("a broken link is published, listed in Codex problems, and its quick fix creates the note", async () => {
  const { plugin, app } = current;
  const path = "Scenes/Fog at Low Tide.md";
  app.workspace.openNote(new TFile(path), readFileSync(join(vault, path), "utf8"));
  const uri = plugin.bridge.locations.uri(path);
  await until(() => plugin.bridge.diagnostics.get(uri)?.some((d) => /Missing Harbour/.test(d.message)), "the broken link's problem", 15_000);
  plugin.run("open-problems");
  await until(() => app.workspace.getLeavesOfType("vespera-problems").length, "the problems view");
  const view = app.workspace.getLeavesOfType("vespera-problems")[0]!.view as { contentEl: FakeElement; refresh(): Promise<void> };
  await view.refresh();
  assert.match(view.contentEl.text, /Scenes\/Fog at Low Tide.md/);
  const row = view.contentEl.all().find((e) => e.classes.has("vespera-problem") && /Missing Harbour/.test(e.text))!;
  row.button("Fix…").click();
  await until(() => row.all().some((e) => e.tag === "button" && /Create note/.test(e.text)), "the quick fixes", 10_000);
  row.all().find((e) => e.tag === "button" && /Create note/.test(e.text))!.click();
  await until(() => existsSync(join(vault, "Missing Harbour.md")), "the created note", 10_000);
});

test("the runs view lists the rule's run, and the commands answer from the sidecar", async () => {
  const { plugin, app } = current;
  plugin.run("open-runs");
  await until(() => app.workspace.getLeavesOfType("vespera-runs").length, "the runs view");
  const runs = app.workspace.getLeavesOfType("vespera-runs")[0]!.view as { contentEl: FakeElement; refresh(): Promise<void> };
  await until(() => /Scene mood music/.test(runs.contentEl.text), "the run in the view", 10_000);
  assert.match(runs.contentEl.text, /succeeded · Scenes\/The Storm.md/);

  app.workspace.activeFile = new TFile(SCENE);
  plugin.run("dry-run-rule");
  await until(() => shown.modals.some((m) => m.isOpen && m instanceof SuggestModal), "the rule choice", 10_000);
  const pick = shown.modals.find((m) => m.isOpen && m instanceof SuggestModal) as SuggestModal<{ label: string }>;
  const rules = await pick.offer("mood");
  pick.choose(rules[0]!);
  await until(() => shown.modals.some((m) => m.isOpen && m.titleEl.text.startsWith("Dry run of")), "the dry run", 10_000);
  const dry = shown.modals.find((m) => m.isOpen && m.titleEl.text.startsWith("Dry run of"))!;
  assert.match(dry.contentEl.text, /Dry run of Scene mood music on Scenes\/The Storm.md/);
  assert.match(dry.contentEl.text, /Nothing was written/);

  plugin.run("show-status");
  await until(() => shown.modals.some((m) => m.isOpen && m.titleEl.text === "Vespera status"), "the status", 10_000);
  const status = shown.modals.find((m) => m.titleEl.text === "Vespera status")!;
  assert.match(status.contentEl.text, /\*\*Automation:\*\* on; today 1 run, 0 failed/);
});

test("a sidecar that crashes is started again, and the open notes with it", async () => {
  const { plugin } = current;
  const sidecar = plugin.bridge.sidecar;
  const first = sidecar.process!.pid;
  sidecar.process!.kill("SIGKILL");
  await until(() => sidecar.state === "starting", "the crash to be seen", 5_000);
  await until(() => sidecar.state === "running" && sidecar.process?.pid !== first, "the restart", 30_000);
  // The open note was opened again: what is typed in it is completed by the new server.
  const lines = editor.lineCount();
  editor.replaceRange("\n#status:d", { line: lines - 1, ch: editor.getLine(lines - 1).length });
  let labels: string[] = [];
  await until(async () => {
    labels = (await plugin.complete(new TFile(SCENE) as never, { line: lines, character: 9 })).map((i) => i.label);
    return labels.some((l) => l.includes("status:draft"));
  }, "completion from the restarted server", 30_000).catch(() => assert.fail(`offered: ${labels.join(", ")}`));
});
