// One notification per automation run, or one summary when several arrive together (a rule
// fanning out over a scene's characters, a cascade), with "Show changes", "Undo", "Open trace".
import * as vscode from "vscode";
import type { AutomationResultParams, RunMessage } from "@vespera/protocol";
import type { RunActions, RunRef } from "./runActions";
import type { NotifyMode } from "./settings";

export const SHOW_CHANGES = "Show changes";
export const UNDO = "Undo";
export const OPEN_TRACE = "Open trace";

/** Runs that arrive within this quiet time of each other are told as one. */
export const GATHER_MS = 800;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function wanted(result: AutomationResultParams, mode: NotifyMode): boolean {
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

export class AutomationNotifier implements vscode.Disposable {
  private waiting: AutomationResultParams[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly actions: RunActions,
    private readonly mode: () => NotifyMode,
    private readonly revealRuns: () => Promise<void>,
    private readonly gatherMs = GATHER_MS,
  ) {}

  /** A `vespera/automationResult` arrived. */
  take(result: AutomationResultParams): void {
    const mode = this.mode();
    if (mode !== "off") {
      for (const message of result.messages ?? []) {
        void this.tellMessage(message);
      }
    }
    if (!wanted(result, mode)) {
      return;
    }
    this.waiting.push(result);
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => void this.flush(), this.gatherMs);
  }

  /** Tells what is waiting now; resolves once the writer answered (or dismissed) it. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const results = this.waiting;
    this.waiting = [];
    if (results.length === 1) {
      await this.tellOne(results[0]!);
    } else if (results.length > 1) {
      await this.tellMany(results);
    }
  }

  private async tellOne(result: AutomationResultParams): Promise<void> {
    const ref = { vault: result.vault, run: result.run };
    const changed = (result.changes?.length ?? 0) > 0;
    const buttons = changed ? [SHOW_CHANGES, UNDO, OPEN_TRACE] : [OPEN_TRACE];
    const text = describeRun(result);
    const failed = result.outcome !== "succeeded";
    const answer = failed
      ? await vscode.window.showWarningMessage(text, ...buttons)
      : await vscode.window.showInformationMessage(text, ...buttons);
    await this.act(answer, [ref], `the run of "${result.ruleName}"`, () => this.actions.openTrace(ref));
  }

  private async tellMany(results: AutomationResultParams[]): Promise<void> {
    const refs = results.map((r) => ({ vault: r.vault, run: r.run }));
    const changing = results.filter((r) => (r.changes?.length ?? 0) > 0);
    const buttons = changing.length ? [SHOW_CHANGES, UNDO, OPEN_TRACE] : [OPEN_TRACE];
    const failed = results.some((r) => r.outcome !== "succeeded");
    const text = describeRuns(results);
    const answer = failed
      ? await vscode.window.showWarningMessage(text, ...buttons)
      : await vscode.window.showInformationMessage(text, ...buttons);
    const undoable = changing.map((r) => ({ vault: r.vault, run: r.run })).reverse(); // newest first
    await this.act(answer, undoable.length ? undoable : refs, plural(undoable.length, "automation run"), () =>
      this.revealRuns(),
    );
  }

  private async act(
    answer: string | undefined,
    refs: RunRef[],
    what: string,
    trace: () => Promise<void>,
  ): Promise<void> {
    if (answer === SHOW_CHANGES) {
      await this.actions.showChanges(refs);
    } else if (answer === UNDO) {
      await this.actions.undo(refs, what);
    } else if (answer === OPEN_TRACE) {
      await trace();
    }
  }

  private async tellMessage(message: RunMessage): Promise<void> {
    const text = `Vespera: ${message.message}`;
    if (message.level === "error") {
      await vscode.window.showErrorMessage(text);
    } else if (message.level === "warning") {
      await vscode.window.showWarningMessage(text);
    } else {
      await vscode.window.showInformationMessage(text);
    }
  }

  dispose(): void {
    if (this.timer) {
      clearTimeout(this.timer);
    }
  }
}
