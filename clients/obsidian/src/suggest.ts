// Completions from the sidecar in Obsidian's editor: after `#`, inside `[[`, and for
// frontmatter values. They add what Obsidian does not know (codex-aware values, tags ranked
// by use, links filtered by a field's type); Obsidian's own suggestions still work.
import { EditorSuggest, type App, type Editor, type EditorPosition, type EditorSuggestContext, type EditorSuggestTriggerInfo, type TFile } from "obsidian";
import type { TextEdit } from "./edits";

export interface CompletionItem {
  label: string;
  detail?: string;
  documentation?: string | { value: string };
  insertText?: string;
  filterText?: string;
  sortText?: string;
  textEdit?: TextEdit | { newText: string; insert: TextEdit["range"]; replace: TextEdit["range"] };
}

export interface Completer {
  complete(file: TFile, position: { line: number; character: number }): Promise<CompletionItem[]>;
}

/** Where the writer is typing something the sidecar can complete, if anywhere. */
export function trigger(line: string, ch: number, inFrontmatter: boolean): { start: number; query: string } | undefined {
  const before = line.slice(0, ch);
  const link = /\[\[([^\]|#]*)$/.exec(before);
  if (link) return { start: ch - link[1]!.length, query: link[1]! };
  const tag = /(?:^|\s)#([^\s#]*)$/.exec(before);
  if (tag) return { start: ch - tag[1]!.length, query: tag[1]! };
  if (inFrontmatter) {
    const value = /^\s*(?:-\s+|[\w-]+:\s*(?:\[\s*(?:[^\]]*,\s*)?)?)["']?([^"',\]]*)$/.exec(before);
    if (value) return { start: ch - value[1]!.length, query: value[1]! };
  }
  return undefined;
}

/** Whether line `n` of `editor` is inside the note's frontmatter. */
function inFrontmatter(editor: Editor, n: number): boolean {
  if (editor.getLine(0) !== "---") return false;
  for (let i = 1; i < n; i++) if (editor.getLine(i) === "---") return false;
  return n > 0;
}

export class VesperaSuggest extends EditorSuggest<CompletionItem> {
  constructor(
    app: App,
    private readonly completer: Completer,
  ) {
    super(app);
  }

  onTrigger(cursor: EditorPosition, editor: Editor, file: TFile | null): EditorSuggestTriggerInfo | null {
    if (!file || file.extension !== "md") return null;
    const found = trigger(editor.getLine(cursor.line), cursor.ch, inFrontmatter(editor, cursor.line));
    if (!found) return null;
    return { start: { line: cursor.line, ch: found.start }, end: cursor, query: found.query };
  }

  async getSuggestions(context: EditorSuggestContext): Promise<CompletionItem[]> {
    const items = await this.completer.complete(context.file, { line: context.end.line, character: context.end.ch });
    const query = context.query.toLowerCase();
    return items
      .filter((item) => (item.filterText ?? item.label).toLowerCase().includes(query))
      .sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label))
      .slice(0, 50);
  }

  renderSuggestion(item: CompletionItem, el: HTMLElement): void {
    el.createDiv({ cls: "vespera-suggestion-label", text: item.label });
    if (item.detail) el.createDiv({ cls: "vespera-suggestion-detail", text: item.detail });
  }

  selectSuggestion(item: CompletionItem): void {
    const context = this.context;
    if (!context) return;
    const edit = item.textEdit;
    if (edit) {
      const range = "range" in edit ? edit.range : edit.replace;
      context.editor.replaceRange(
        edit.newText,
        { line: range.start.line, ch: range.start.character },
        // The sidecar's range ends where it was asked; the writer may have typed on since.
        { line: context.end.line, ch: Math.max(range.end.character, context.end.ch) },
      );
    } else {
      context.editor.replaceRange(item.insertText ?? item.label, context.start, context.end);
    }
    this.close();
  }
}
