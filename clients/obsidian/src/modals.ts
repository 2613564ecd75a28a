// The plugin's dialogs: a markdown result (trace, dry run, replay, explanation, status), a
// run's changes as diffs, a yes-or-no question, and choosing from a list.
import { Component, MarkdownRenderer, Modal, SuggestModal, type App } from "obsidian";
import { createTwoFilesPatch } from "diff";

/** A result rendered as markdown, as Obsidian renders notes. */
export class MarkdownModal extends Modal {
  private readonly component = new Component();

  constructor(
    app: App,
    private readonly title: string,
    private readonly markdown: string,
  ) {
    super(app);
  }

  onOpen(): void {
    this.titleEl.setText(this.title);
    this.contentEl.addClass("vespera-result");
    this.component.load();
    void MarkdownRenderer.render(this.app, this.markdown, this.contentEl, "", this.component);
  }

  onClose(): void {
    this.component.unload();
    this.contentEl.empty();
  }
}

/** The unified diff of a note from `before` to `after` (created notes have no before). */
export function unifiedDiff(path: string, before: string | null, after: string | null): string {
  const patch = createTwoFilesPatch(before === null ? "/dev/null" : path, after === null ? "/dev/null" : path, before ?? "", after ?? "", "", "", { context: 3 });
  const lines = patch.split("\n");
  const start = lines.findIndex((line) => line.startsWith("--- "));
  return lines
    .slice(start)
    .map((line) => (line.startsWith("--- ") || line.startsWith("+++ ") ? line.trimEnd() : line))
    .join("\n");
}

/** Each note a run wrote, as a diff with added and removed lines coloured. */
export class DiffModal extends Modal {
  constructor(
    app: App,
    private readonly title: string,
    private readonly writes: { path: string; before: string | null; after: string | null }[],
  ) {
    super(app);
  }

  onOpen(): void {
    this.titleEl.setText(this.title);
    for (const write of this.writes) {
      this.contentEl.createEl("h4", { text: write.path });
      const pre = this.contentEl.createEl("pre", { cls: "vespera-diff" });
      for (const line of unifiedDiff(write.path, write.before, write.after).split("\n")) {
        const kind = line.startsWith("+") ? "added" : line.startsWith("-") ? "removed" : line.startsWith("@@") ? "hunk" : "same";
        pre.createDiv({ cls: `vespera-diff-${kind}`, text: line });
      }
    }
  }

  onClose(): void {
    this.contentEl.empty();
  }
}

/** Asks a question; resolves true only for the confirming button. */
export function confirm(app: App, question: string, yes: string): Promise<boolean> {
  return new Promise((resolve) => {
    const modal = new (class extends Modal {
      answered = false;
      onOpen(): void {
        this.contentEl.createEl("p", { text: question });
        const buttons = this.contentEl.createDiv({ cls: "modal-button-container" });
        buttons.createEl("button", { text: yes, cls: "mod-warning" }).addEventListener("click", () => {
          this.answered = true;
          resolve(true);
          this.close();
        });
        buttons.createEl("button", { text: "Cancel" }).addEventListener("click", () => this.close());
      }
      onClose(): void {
        if (!this.answered) resolve(false);
        this.contentEl.empty();
      }
    })(app);
    modal.open();
  });
}

export interface Choice<T> {
  label: string;
  detail?: string;
  value: T;
}

/** A list to choose from (filtered as the writer types); resolves undefined when dismissed. */
export function choose<T>(app: App, placeholder: string, choices: Choice<T>[]): Promise<T | undefined> {
  return new Promise((resolve) => {
    let chosen = false;
    const modal = new (class extends SuggestModal<Choice<T>> {
      getSuggestions(query: string): Choice<T>[] {
        const q = query.toLowerCase();
        return choices.filter((c) => `${c.label} ${c.detail ?? ""}`.toLowerCase().includes(q));
      }
      renderSuggestion(choice: Choice<T>, el: HTMLElement): void {
        el.createDiv({ text: choice.label });
        if (choice.detail) el.createEl("small", { text: choice.detail });
      }
      onChooseSuggestion(choice: Choice<T>): void {
        chosen = true;
        resolve(choice.value);
      }
      onClose(): void {
        // The choice is told after close: resolve only if nothing was chosen.
        setTimeout(() => chosen || resolve(undefined), 0);
      }
    })(app);
    modal.setPlaceholder(placeholder);
    modal.open();
  });
}
