// The plugin's pure parts: edits, completion triggers, underlines, the status text, diffs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Text } from "@codemirror/state";
import { decorations } from "../src/diagnostics";
import { applyTextEdits, offsetOf } from "../src/edits";
import { unifiedDiff } from "../src/modals";
import { statusText } from "../src/statusText";
import { trigger } from "../src/suggest";

const range = (l1: number, c1: number, l2: number, c2: number) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });

test("edits apply in UTF-16 units, all against the original text", () => {
  const text = "tags: [mood:tense]\n🌙 moon [[Alice]]\n";
  assert.equal(offsetOf(text, { line: 1, character: 2 }), 21); // the emoji is two units
  const out = applyTextEdits(text, [
    { range: range(0, 7, 0, 17), newText: "mood:calm" },
    { range: range(1, 3, 1, 7), newText: "Moon" },
    { range: range(2, 0, 2, 0), newText: "end\n" },
  ]);
  assert.equal(out, "tags: [mood:calm]\n🌙 Moon [[Alice]]\nend\n");
  assert.equal(applyTextEdits("ab", [{ range: range(0, 9, 4, 0), newText: "!" }]), "ab!", "past the end is the end");
});

test("completion is offered after #, inside [[ and for frontmatter values", () => {
  assert.deepEqual(trigger("A storm #mo", 11, false), { start: 9, query: "mo" });
  assert.deepEqual(trigger("see [[Ali", 9, false), { start: 6, query: "Ali" });
  assert.deepEqual(trigger("type: sce", 9, true), { start: 6, query: "sce" });
  assert.deepEqual(trigger("tags: [mood:tense, sta", 22, true), { start: 19, query: "sta" });
  assert.equal(trigger("type: sce", 9, false), undefined, "not in the body");
  assert.equal(trigger("issue#12", 8, false), undefined, "not inside a word");
});

test("diagnostics become underlines by severity, clamped to the text", () => {
  const doc = Text.of(["---", "type: scen", "---", "Body"]);
  const set = decorations(doc, [
    { range: range(1, 6, 1, 10), severity: 1, message: "unknown type", code: "unknown-type" },
    { range: range(3, 4, 3, 4), severity: 2, message: "at the end" },
    { range: range(9, 0, 9, 5), severity: 3, message: "beyond the text" },
  ]);
  const found: [number, number, string][] = [];
  set.between(0, doc.length, (from, to, deco) => void found.push([from, to, String(deco.spec.class)]));
  assert.deepEqual(found, [
    [10, 14, "vespera-diagnostic vespera-diagnostic-error"],
    [22, 23, "vespera-diagnostic vespera-diagnostic-warning"],
    [22, 23, "vespera-diagnostic vespera-diagnostic-info"], // past the end: on the last character
  ]);
});

test("the status text follows the sidecar and the vault", () => {
  assert.equal(statusText("starting", undefined), "Vespera: starting…");
  assert.equal(statusText("failed", undefined, "no command"), "Vespera: not running (no command)");
  assert.equal(statusText("running", { vault: "v", state: "indexing", indexed: 3, total: 9 }), "Vespera: indexing 3/9");
  assert.equal(statusText("running", { vault: "v", state: "ready", notes: 9, semantic: "embedding", pending: 4 }), "Vespera: 9 notes, embedding (4 to go)");
  assert.equal(statusText("running", { vault: "v", state: "ready", notes: 9, problems: 2, semantic: "ready" }), "Vespera: 9 notes, 2 problems");
});

test("a run's change is shown as a unified diff", () => {
  const diff = unifiedDiff("Scenes/A.md", "music: \"[[Battle Drums]]\"\n", "music: \"[[Forest Sounds]]\"\n");
  assert.match(diff, /^--- Scenes\/A.md/m);
  assert.match(diff, /^-music: "\[\[Battle Drums\]\]"$/m);
  assert.match(diff, /^\+music: "\[\[Forest Sounds\]\]"$/m);
  assert.match(unifiedDiff("Tasks/New.md", null, "hello\n"), /^--- \/dev\/null/m);
});
