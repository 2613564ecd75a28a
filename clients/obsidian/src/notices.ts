// Automation results as notices: one per run, or one summary when several arrive together,
// with "Undo" and "Show changes" (and the trace); the messages of notify actions as notices.
import { Notice } from "obsidian";
import type { AutomationResultParams } from "@vespera/protocol";
import { describeRun, describeRuns, GATHER_MS, plural, wanted, type NotifyMode } from "@vespera/client-core";
import type { RunActions } from "./runActions";

/** How long a notice with buttons stays (the writer may want to press one). */
const NOTICE_MS = 15_000;

export class AutomationNotices {
  private waiting: AutomationResultParams[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly actions: RunActions,
    private readonly mode: () => NotifyMode,
    private readonly gatherMs = GATHER_MS,
  ) {}

  take(result: AutomationResultParams): void {
    const mode = this.mode();
    if (mode !== "off") {
      for (const message of result.messages ?? []) {
        new Notice(`Vespera: ${message.message}`, message.level === "error" ? 0 : 8_000);
      }
    }
    if (!wanted(result, mode)) return;
    this.waiting.push(result);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.gatherMs);
  }

  /** Shows what is waiting now; returns the notice. */
  flush(): Notice | undefined {
    clearTimeout(this.timer);
    this.timer = undefined;
    const results = this.waiting;
    this.waiting = [];
    if (!results.length) return undefined;
    const changing = results.filter((r) => (r.changes?.length ?? 0) > 0).map((r) => r.run);
    const text = results.length === 1 ? describeRun(results[0]!) : describeRuns(results);
    const notice = new Notice(text, NOTICE_MS);
    const buttons = notice.noticeEl.createDiv({ cls: "vespera-notice-buttons" });
    const button = (label: string, act: () => Promise<unknown>) =>
      buttons.createEl("button", { text: label }).addEventListener("click", (event) => {
        event.stopPropagation();
        notice.hide();
        void act();
      });
    if (changing.length) {
      const what = results.length === 1 ? `the run of "${results[0]!.ruleName}"` : plural(changing.length, "automation run");
      button("Undo", () => this.actions.undo([...changing].reverse(), what));
      button("Show changes", () => this.actions.showChanges(changing));
    }
    if (results.length === 1) button("Trace", () => this.actions.openTrace(results[0]!.run));
    return notice;
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
