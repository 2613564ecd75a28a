// The palette's commands and the related-notes view, against a server answering in memory.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import type { DryRunResult, RelatedResult } from "@vespera/protocol";
import type { RelatedNode } from "../src/relatedView";
import { LanguageClient } from "./fake/languageClient";
import { fake, type TreeItem, Uri } from "./fake/vscode";
import { activated, result, tick, VAULT, type Activated } from "./helpers";

let running: Activated | undefined;
afterEach(() => running?.dispose());

const NOTE = Uri.joinPath(VAULT, "Scenes/Storm.md");
const rules = {
  vault: VAULT.toString(),
  enabled: true,
  rules: [
    { rule: "final-review", name: "Review tasks", file: ".vespera/rules/review.yaml", active: true, enabled: true },
    { rule: "mood-music", name: "Mood music", file: ".vespera/rules/music.yaml", active: false, enabled: false, reason: "switched off on this machine" },
  ],
};
const related: RelatedResult = {
  state: "ready",
  items: [
    {
      path: "Characters/Alice.md",
      uri: Uri.joinPath(VAULT, "Characters/Alice.md").toString(),
      title: "Alice",
      type: "character",
      score: 0.71,
      semantic: 0.6,
      linkDistance: 1,
      sharedTags: [],
      reasons: ["linked", "similar meaning (Fear)"],
      passage: "Fear",
    },
  ],
};

function answering(): void {
  LanguageClient.responders.set("vespera/automation/status", () => rules);
  LanguageClient.responders.set("vespera/related", () => related);
  LanguageClient.responders.set("vespera/search", () => related);
}

test("dry-run asks which rule, tries it on the active note and shows what it would write", async () => {
  running = await activated(answering);
  const dry: DryRunResult = {
    rule: "final-review",
    ruleName: "Review tasks",
    event: result().event,
    matched: true,
    ran: true,
    changes: [{ path: "Tasks/Review Alice.md", kind: "created", summary: "new task", diff: "+Review Alice" }],
  };
  LanguageClient.responders.set("vespera/rules/dryRun", () => dry);
  fake.openNote(NOTE, "---\ntype: scene\n---\n");
  let offered: { label: string; detail?: string }[] = [];
  fake.picks.push((items) => {
    offered = items as typeof offered;
    return (items as unknown[])[0];
  });
  await fake.commands.get("vespera.dryRunRule")!();
  assert.deepEqual(offered.map((i) => i.label), ["Review tasks", "Mood music"]);
  assert.equal(offered[1]!.detail, "off: switched off on this machine");
  assert.deepEqual(running.language.requests.at(-1), {
    method: "vespera/rules/dryRun",
    params: { vault: VAULT.toString(), rule: "final-review", note: NOTE.toString() },
  });
  const shown = fake.opened.at(-1)!.text;
  assert.match(shown, /would \*\*run\*\*/);
  assert.match(shown, /## Would be created: Tasks\/Review Alice.md/);
  assert.match(shown, /```diff\n\+Review Alice\n```/);
});

test("replay asks for the rule and the stretch of the log", async () => {
  running = await activated(answering);
  LanguageClient.responders.set("vespera/rules/replay", () => ({ rule: "final-review", scanned: 40, considered: 6, fired: 2, summary: "Would have fired 2 times." }));
  fake.picks.push((items) => (items as unknown[])[0], (items) => (items as unknown[])[1]);
  await fake.commands.get("vespera.replayRule")!();
  const params = running.language.requests.at(-1)!.params as { rule: string; since: string };
  assert.equal(params.rule, "final-review");
  const days = (Date.now() - Date.parse(params.since)) / 86_400_000;
  assert.ok(days > 6.9 && days < 7.1, `since ${params.since}`);
  assert.match(fake.opened.at(-1)!.text, /would have fired: 2/);
});

test("explain asks about the active note and shows each rule's stage and reason", async () => {
  running = await activated(answering);
  LanguageClient.responders.set("vespera/runs/explain", () => ({
    entries: [
      { event: "e1", eventType: "vespera.note.tag_added", subject: "Scenes/Storm.md", time: "2026-11-22T10:00:00Z", rule: "mood-music", stage: "conditions", reason: "mood is not tense" },
    ],
  }));
  fake.openNote(NOTE, "");
  fake.picks.push((items) => (items as unknown[])[0]); // every rule
  await fake.commands.get("vespera.explainRule")!();
  assert.deepEqual(running.language.requests.at(-1)!.params, { vault: VAULT.toString(), rule: null, subject: "Scenes/Storm.md", limit: 30 });
  assert.match(fake.opened.at(-1)!.text, /`mood-music` on `vespera.note.tag_added` \(Scenes\/Storm.md\): not run at \*\*conditions\*\*, mood is not tense/);
});

test("semantic search asks as the writer types and opens the note chosen", async () => {
  running = await activated(answering);
  await fake.commands.get("vespera.search")!();
  const pick = fake.quickPicks[0]!;
  pick.type("fear of the dark");
  await fake.until(() => pick.items.length, "results", 2000);
  assert.deepEqual(running.language.requests.at(-1)!.params, { vault: VAULT.toString(), text: "fear of the dark", limit: 20 });
  assert.equal(pick.items[0]!.label, "Alice");
  pick.choose(0);
  await tick(10);
  assert.equal(fake.opened.at(-1)!.uri.path, "/vaults/Novel/Characters/Alice.md");
});

test("the related view shows the active note's relatives, and why", async () => {
  running = await activated(answering);
  const view = fake.treeViews.get("vespera.related")!;
  assert.equal(((await view.provider.getChildren()) as RelatedNode[])[0]!.kind, "note"); // no note open
  fake.openNote(NOTE, "");
  const nodes = (await view.provider.getChildren()) as RelatedNode[];
  const item = view.provider.getTreeItem(nodes[0]) as TreeItem;
  assert.equal(item.label, "Alice");
  assert.equal(item.description, "71% · linked");
  assert.deepEqual(running.language.requests.at(-1)!.params, { uri: NOTE.toString(), limit: 10 });
  assert.equal(item.command!.command, "vscode.open");
});

test("while the vault embeds, the related view says so above what it has", async () => {
  running = await activated(() => {
    answering();
    LanguageClient.responders.set("vespera/related", () => ({ state: "embedding", message: "Embedding the vault: 30 of 400 notes", items: [] }));
  });
  fake.openNote(NOTE, "");
  const view = fake.treeViews.get("vespera.related")!;
  const nodes = (await view.provider.getChildren()) as RelatedNode[];
  assert.deepEqual(nodes, [{ kind: "note", text: "Embedding the vault: 30 of 400 notes" }]);
});

test("the status command gathers index, embeddings and rules into one document", async () => {
  running = await activated(() => {
    answering();
    LanguageClient.responders.set("vespera/semantic/status", () => ({ vault: VAULT.toString(), state: "ready", model: "all-MiniLM-L6-v2 (int8)", notes: 120, passages: 300, paused: false, pending: 0 }));
  });
  running.language.notify("vespera/status", { vault: VAULT.toString(), state: "ready", notes: 120 });
  await fake.commands.get("vespera.showStatus")!();
  const text = fake.opened.at(-1)!.text;
  assert.match(text, /\*\*Index:\*\* ready, 120 notes/);
  assert.match(text, /\*\*Embeddings:\*\* ready, 120 notes, 0 waiting/);
  assert.match(text, /\| Mood music \(`mood-music`\) \| .vespera\/rules\/music.yaml \| off: switched off on this machine \|/);
});

test("commands say so when the server is not running, instead of failing", async () => {
  running = await activated(() => fake.config.set("vespera.server.command", "/nowhere/vespera"));
  fake.messages = [];
  await fake.commands.get("vespera.undoLastRun")!();
  assert.match(fake.messages[0]!.text, /Vespera is not running: The command '\/nowhere\/vespera' was not found/);
});
