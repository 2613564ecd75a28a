// One notification per automation run, or one summary when several arrive together (a rule
// fanning out over a scene's characters, a cascade), with "Show changes", "Undo", "Open trace".
import * as vscode from "vscode";
import type { AutomationResultParams, RunMessage } from "@vespera/protocol";
import { describeRun, describeRuns, GATHER_MS, plural, wanted, type NotifyMode } from "@vespera/client-core";
import type { RunActions, RunRef } from "./runActions";

export const SHOW_CHANGES = "Show changes";
export const UNDO = "Undo";
export const OPEN_TRACE = "Open trace";

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
