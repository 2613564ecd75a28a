// Automation runs in the writer's words, and which of them to tell: shared by the clients.
import { RUNS_UNDO, type AutomationResultParams, type RunSummary, type RunTrace, type RunsUndoResult, type VesperaApi } from "@vespera/protocol";

/** Which runs a client tells: every one, those that changed notes (and failures), failures. */
export type NotifyMode = "all" | "changes" | "failures" | "off";

/** Runs that arrive within this quiet time of each other are told as one. */
export const GATHER_MS = 800;

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

export function wanted(result: AutomationResultParams, mode: NotifyMode): boolean {
  const failed = result.outcome === "failed" || result.outcome === "stopped" || result.outcome === "partial";
  switch (mode) {
    case "off":
      return false;
    case "failures":
      return failed;
    case "changes":
      return failed || (result.changes?.length ?? 0) > 0;
    case "all":
      return result.outcome !== "skipped";
  }
}

/** The sentence for one run. */
export function describeRun(result: AutomationResultParams): string {
  const changes = result.changes ?? [];
  const name = `"${result.ruleName}"`;
  switch (result.outcome) {
    case "failed":
      return `Vespera: ${name} failed on ${result.event.subject}: ${result.error ?? "see its trace"}`;
    case "stopped":
      return `Vespera stopped ${name}: ${result.error ?? result.stop ?? "see its trace"}`;
    case "partial":
      return `Vespera: ${name} partly ran on ${result.event.subject} (${result.error ?? "a step failed"})`;
    default: {
      if (!changes.length) {
        return `Vespera: ${name} ran on ${result.event.subject}.`;
      }
      const shown = changes.slice(0, 3).map((c) => c.path.split("/").pop());
      const more = changes.length > 3 ? ` and ${changes.length - 3} more` : "";
      return `Vespera: ${name} changed ${plural(changes.length, "note")}: ${shown.join(", ")}${more}.`;
    }
  }
}

/** The sentence for several runs told together. */
export function describeRuns(results: AutomationResultParams[]): string {
  const notes = new Set(results.flatMap((r) => (r.changes ?? []).map((c) => c.path)));
  const failed = results.filter((r) => r.outcome === "failed" || r.outcome === "stopped").length;
  const rules = new Set(results.map((r) => r.ruleName));
  const by = rules.size === 1 ? ` of "${[...rules][0]}"` : ` of ${plural(rules.size, "rule")}`;
  const tail = failed ? `; ${failed} failed` : "";
  return `Vespera: ${plural(results.length, "automation run")}${by} changed ${plural(notes.size, "note")}${tail}.`;
}


/** Whether a run can be undone: it changed notes and its changes stayed. */
export function undoable(run: RunSummary): boolean {
  return run.changes > 0 && (run.outcome === "succeeded" || run.outcome === "partial");
}

/** A note a run wrote: its text before the run (null: the run created it) and after. */
export interface RunWrite {
  path: string;
  before: string | null;
  after: string | null;
}

export function runWrites(trace: RunTrace | undefined): RunWrite[] {
  return (trace?.writes ?? []).map((w) => ({
    path: String(w.path),
    before: typeof w.before === "string" ? w.before : null,
    after: typeof w.after === "string" ? w.after : null,
  }));
}

/** What the writer is asked before `what` is undone. */
export function undoQuestion(what: string): string {
  return `Undo ${what}? Notes it changed go back to how they were; notes it created are deleted.`;
}

/** Undoes runs in the order given (newest first); what was done, and in words. */
export async function undoRuns(
  api: VesperaApi,
  runs: { vault: string; run: string }[],
): Promise<{ done: RunsUndoResult[]; text: string; complete: boolean }> {
  const done: RunsUndoResult[] = [];
  const kept: string[] = [];
  for (const ref of runs) {
    try {
      done.push(await api.request(RUNS_UNDO, ref));
    } catch (error) {
      kept.push(error instanceof Error ? error.message : String(error));
    }
  }
  kept.unshift(...done.flatMap((r) => (r.conflicts ?? []).map((c) => `${c.path} (${c.reason})`)));
  const restored = done.reduce((n, r) => n + (r.restored?.length ?? 0), 0);
  const deleted = done.reduce((n, r) => n + (r.deleted?.length ?? 0), 0);
  const text =
    `Vespera undid ${done.length === 1 ? "the run" : `${done.length} runs`}: ${restored} note(s) put back, ${deleted} deleted.` +
    (kept.length ? ` Left as they are: ${kept.join("; ")}` : "");
  return { done, text, complete: !kept.length };
}
