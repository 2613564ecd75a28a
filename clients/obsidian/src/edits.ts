// workspace/applyEdit: the sidecar's edits (automation, quick fixes, renames) into the vault.
// A note open in an editor is changed through that editor, so its undo history has the change
// and what the writer is typing is never overwritten; a closed note through the vault, which
// reads and writes it in one step.
import { TFile, type Editor, type Vault } from "obsidian";
import type { Locations } from "./uris";

export interface Position {
  line: number;
  character: number;
}
export interface TextEdit {
  range: { start: Position; end: Position };
  newText: string;
}
interface TextDocumentEdit {
  textDocument: { uri: string; version: number | null };
  edits: TextEdit[];
}
interface FileOperation {
  kind: "create" | "rename" | "delete";
  uri?: string;
  oldUri?: string;
  newUri?: string;
  options?: { overwrite?: boolean; ignoreIfExists?: boolean; ignoreIfNotExists?: boolean };
}
export interface WorkspaceEdit {
  changes?: Record<string, TextEdit[]>;
  documentChanges?: (TextDocumentEdit | FileOperation)[];
}
export interface ApplyResult {
  applied: boolean;
  failureReason?: string;
}

/** A note open in an editor, as the sync knows it. */
export interface OpenEditor {
  version: number;
  editor: Editor;
}

/** The offset in `text` of an LSP position (UTF-16 units, as JavaScript strings count). */
export function offsetOf(text: string, position: Position): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) {
    const next = text.indexOf("\n", offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  const end = text.indexOf("\n", offset);
  const lineEnd = end < 0 ? text.length : end;
  return Math.min(offset + position.character, lineEnd);
}

/** `text` with `edits` applied (their ranges are of the original text, as LSP says). */
export function applyTextEdits(text: string, edits: TextEdit[]): string {
  const spans = edits
    .map((e) => ({ from: offsetOf(text, e.range.start), to: offsetOf(text, e.range.end), text: e.newText }))
    .sort((a, b) => b.from - a.from || b.to - a.to);
  let out = text;
  for (const span of spans) out = out.slice(0, span.from) + span.text + out.slice(span.to);
  return out;
}

/** The open notes: their editors, and sending a change still waiting. */
export interface OpenNotes {
  openEditor(path: string): OpenEditor | undefined;
  flush(path: string): Promise<void>;
}

export class EditApplier {
  constructor(
    private readonly vault: Vault,
    private readonly locations: Locations,
    private readonly notes: OpenNotes,
  ) {}

  private openEditor(path: string): OpenEditor | undefined {
    return this.notes.openEditor(path);
  }

  async apply(edit: WorkspaceEdit): Promise<ApplyResult> {
    const steps: (TextDocumentEdit | FileOperation)[] = [
      ...(edit.documentChanges ?? []),
      ...Object.entries(edit.changes ?? {}).map(([uri, edits]) => ({ textDocument: { uri, version: null }, edits })),
    ];
    // Checked before anything is written: an edit made for an older text is refused whole.
    for (const step of steps) {
      if (!("textDocument" in step)) continue;
      const path = this.locations.path(step.textDocument.uri);
      if (path === undefined) return { applied: false, failureReason: `${step.textDocument.uri} is outside the vault` };
      // Typing not yet sent goes first: then an edit computed for the older text is refused
      // by its version instead of landing in the wrong place.
      await this.notes.flush(path);
      const open = this.openEditor(path);
      const version = step.textDocument.version;
      if (open && version !== null && version !== open.version) {
        return { applied: false, failureReason: `${path} changed in the editor (version ${open.version}, not ${version})` };
      }
    }
    for (const step of steps) {
      const failure = "textDocument" in step ? await this.editNote(step) : await this.operate(step);
      if (failure) return { applied: false, failureReason: failure };
    }
    return { applied: true };
  }

  private async editNote(step: TextDocumentEdit): Promise<string | undefined> {
    const path = this.locations.path(step.textDocument.uri)!;
    const open = this.openEditor(path);
    if (open) {
      open.editor.transaction(
        {
          changes: step.edits.map((e) => ({
            from: { line: e.range.start.line, ch: e.range.start.character },
            to: { line: e.range.end.line, ch: e.range.end.character },
            text: e.newText,
          })),
        },
        "vespera",
      );
      return undefined;
    }
    const file = this.vault.getAbstractFileByPath(path);
    if (!(file instanceof TFile)) return `${path} does not exist`;
    await this.vault.process(file, (text) => applyTextEdits(text, step.edits));
    return undefined;
  }

  private async operate(step: FileOperation): Promise<string | undefined> {
    const path = (uri: string | undefined) => (uri ? this.locations.path(uri) : undefined);
    if (step.kind === "create") {
      const target = path(step.uri);
      if (!target) return `cannot create ${step.uri}`;
      const existing = this.vault.getAbstractFileByPath(target);
      if (existing instanceof TFile && step.options?.overwrite) {
        await this.vault.modify(existing, "");
        return undefined;
      }
      if (existing) return step.options?.ignoreIfExists ? undefined : `${target} exists`;
      await this.vault.create(target, "");
      return undefined;
    }
    if (step.kind === "rename") {
      const from = this.vault.getAbstractFileByPath(path(step.oldUri) ?? "");
      const to = path(step.newUri);
      if (!from || !to) return `cannot rename ${step.oldUri}`;
      await this.vault.rename(from, to);
      return undefined;
    }
    const target = this.vault.getAbstractFileByPath(path(step.uri) ?? "");
    if (!target) return step.options?.ignoreIfNotExists ? undefined : `${step.uri} does not exist`;
    await this.vault.trash(target, true);
    return undefined;
  }
}
