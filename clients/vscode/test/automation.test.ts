// Automation results in the editor: notifications and their buttons, the runs view, undo.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { AUTOMATION_RESULT, type RunSummary, type RunTrace } from "@vespera/protocol";
import { describeRun, describeRuns, GATHER_MS } from "@vespera/client-core";
import type { RunNode } from "../src/runsView";
import { LanguageClient } from "./fake/languageClient";
import { fake, type TreeItem, Uri } from "./fake/vscode";
import { activated, result, tick, VAULT, type Activated } from "./helpers";

let running: Activated | undefined;
afterEach(() => running?.dispose());

function trace(run = "r1"): RunTrace {
  const r = result({ run });
  return {
    run,
    rule: r.rule,
    ruleName: r.ruleName,
    ruleFile: ".vespera/rules/review.yaml",
    ruleVersion: "abc123",
    event: r.event,
    outcome: "succeeded",
    started: "2026-11-22T10:00:00Z",
    durationMs: 12,
    conditions: [{ condition: "note.status == 'final'", value: true }],
    actions: [{ action: "create_task", ms: 3, result: "Tasks/Review Alice.md" }],
    changes: r.changes,
    writes: [{ path: "Tasks/Review Alice.md", before: null, after: "---\ntype: task\n---\nReview Alice\n" }],
  };
}

/** A run's line in the list; the fields a test does not name are of no interest to it. */
function summary(run: string, subject: string, outcome: RunSummary["outcome"], changes: number, started: string): RunSummary {
  return { run, rule: "final-review", ruleName: "Review", eventType: "tag_changed", subject, outcome, started, durationMs: 3, changes };
}

function listing(...runs: RunSummary[]): void {
  LanguageClient.responders.set("vespera/runs/list", () => ({ runs }));
}

function answering(): void {
  LanguageClient.responders.set("vespera/runs/get", (p) => trace((p as { run: string }).run));
  LanguageClient.responders.set("vespera/runs/undo", (p) => ({
    run: (p as { run: string }).run,
    undo: "u1",
    deleted: ["Tasks/Review Alice.md"],
    restored: [],
  }));
  LanguageClient.responders.set("vespera/automation/status", () => ({ vault: VAULT.toString(), enabled: true, runsToday: 4, failuresToday: 1 }));
}

test("runs are described in words, alone or together", () => {
  assert.equal(describeRun(result()), 'Vespera: "Review tasks when a scene is final" changed 1 note: Review Alice.md.');
  assert.equal(
    describeRun(result({ outcome: "failed", error: "template error", changes: [] })),
    'Vespera: "Review tasks when a scene is final" failed on Scenes/Storm.md: template error',
  );
  const many = [result(), result({ run: "r2", changes: [{ kind: "created", path: "Tasks/Review Bob.md", summary: "" }] })];
  assert.equal(describeRuns(many), 'Vespera: 2 automation runs of "Review tasks when a scene is final" changed 2 notes.');
});

test("a run's notification offers its changes, undo and trace; Undo asks, then undoes", async () => {
  running = await activated(answering);
  fake.answers.push("Undo", "Undo"); // the notification's button, then the modal's
  running.language.notify(AUTOMATION_RESULT, result());
  await fake.until(() => running!.language.requests.some((r) => r.method === "vespera/runs/undo"), "the undo", GATHER_MS + 2000);
  const [notice, confirm] = fake.messages;
  assert.equal(notice!.level, "info");
  assert.deepEqual(notice!.items, ["Show changes", "Undo", "Open trace"]);
  assert.equal(confirm!.modal, true);
  const undo = running.language.requests.find((r) => r.method === "vespera/runs/undo")!;
  assert.deepEqual(undo.params, { vault: VAULT.toString(), run: "r1" });
  await fake.until(() => fake.messages.length === 3, "the undo's report");
  assert.match(fake.messages[2]!.text, /0 note\(s\) put back, 1 deleted/);
});

test("Show changes opens the run's diff, from the note before to the note after", async () => {
  running = await activated(answering);
  fake.answers.push("Show changes");
  running.language.notify(AUTOMATION_RESULT, result());
  await fake.until(() => fake.executed.some((e) => e.id === "vscode.diff"), "the diff", GATHER_MS + 2000);
  const diff = fake.executed.find((e) => e.id === "vscode.diff")!;
  const [before, after, title] = diff.args as [Uri, Uri, string];
  assert.equal(title, "Review Alice.md (automation run)");
  const provider = fake.providers.get("vespera-run")!;
  assert.equal(await provider.provideTextDocumentContent(before), "");
  assert.equal(await provider.provideTextDocumentContent(after), "---\ntype: task\n---\nReview Alice\n");
});

test("Open trace shows the run's trace as a document", async () => {
  running = await activated(answering);
  fake.answers.push("Open trace");
  running.language.notify(AUTOMATION_RESULT, result());
  await fake.until(() => fake.opened.length, "the trace", GATHER_MS + 2000);
  const text = fake.opened[0]!.text;
  assert.match(text, /# Run r1: Review tasks when a scene is final/);
  assert.match(text, /`note.status == 'final'` → true/);
  assert.match(text, /`create_task` → Tasks\/Review Alice.md/);
});

test("runs that arrive together are told once, as a summary", async () => {
  running = await activated(answering);
  for (const run of ["r1", "r2", "r3"]) running.language.notify(AUTOMATION_RESULT, result({ run }));
  await tick(GATHER_MS + 200);
  const told = fake.messages.filter((m) => m.text.startsWith("Vespera:"));
  assert.equal(told.length, 1);
  assert.match(told[0]!.text, /3 automation runs/);
});

test("the notifications setting keeps quiet runs quiet, but not failures or notify messages", async () => {
  running = await activated(() => {
    answering();
    fake.config.set("vespera.notifications", "failures");
  });
  running.language.notify(AUTOMATION_RESULT, result({ messages: [{ level: "warning", message: "Alice has no scenes left" }] }));
  running.language.notify(AUTOMATION_RESULT, result({ run: "r2", outcome: "stopped", error: "loop stopped at depth 8" }));
  await tick(GATHER_MS + 200);
  assert.deepEqual(
    fake.messages.map((m) => [m.level, m.text]),
    [
      ["warning", "Vespera: Alice has no scenes left"],
      ["warning", 'Vespera stopped "Review tasks when a scene is final": loop stopped at depth 8'],
    ],
  );
});

test("the status bar counts today's runs after a run arrives", async () => {
  running = await activated(answering);
  running.language.notify(AUTOMATION_RESULT, result());
  await fake.until(() => /4 runs, 1 failed/.test(fake.statusItems[0]!.text), "today's counts", 3000);
});

test("the runs view lists runs newest first, each with its changes and trace", async () => {
  running = await activated(() => {
    answering();
    listing(
      summary("r2", "Scenes/B.md", "failed", 0, "2026-11-22T10:05:00Z"),
      summary("r1", "Scenes/A.md", "succeeded", 1, "2026-11-22T10:00:00Z"),
    );
  });
  const view = fake.treeViews.get("vespera.runs")!;
  const runs = (await view.provider.getChildren()) as RunNode[];
  const items = runs.map((n) => view.provider.getTreeItem(n) as TreeItem);
  assert.deepEqual(items.map((i) => i.contextValue), ["run", "run.undoable"]);
  assert.match(String(items[0]!.description), /^failed · Scenes\/B.md/);
  const children = (await view.provider.getChildren(runs[1])) as RunNode[];
  const labels = children.map((n) => (view.provider.getTreeItem(n) as TreeItem).label);
  assert.deepEqual(labels, ["Review Alice.md", "Trace"]);
  // The item commands: undo the run chosen.
  fake.answers.push("Undo");
  await fake.commands.get("vespera.undoRun")!(runs[1]);
  assert.deepEqual(running.language.requests.at(-1), { method: "vespera/runs/undo", params: { vault: VAULT.toString(), run: "r1" } });
});

test("Undo the last run undoes the newest run that changed notes", async () => {
  running = await activated(() => {
    answering();
    listing(
      summary("r3", "A.md", "skipped", 0, "2026-11-22T10:09:00Z"),
      summary("r2", "A.md", "succeeded", 2, "2026-11-22T10:05:00Z"),
    );
  });
  fake.answers.push("Undo");
  await fake.commands.get("vespera.undoLastRun")!();
  assert.match(fake.messages[0]!.text, /Undo "Review" on A.md \(2 change\(s\)\)\?/);
  assert.deepEqual(running.language.requests.at(-1)!.params, { vault: VAULT.toString(), run: "r2" });
});
