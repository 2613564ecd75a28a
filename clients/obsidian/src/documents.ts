// Document sync: notes open in Obsidian's editors are the sidecar's open documents (didOpen,
// didChange with the editor's text, didClose), Obsidian's saves are didSave, and changes to
// the vault from elsewhere (created, changed on disk, renamed, deleted) are file events.
import { MarkdownView, TFile, type App, type Editor, type EventRef, type TAbstractFile } from "obsidian";
import type { OpenEditor } from "./edits";
import type { Locations } from "./uris";

/** Quiet time after a keystroke before the editor's text is sent (a request sends it at once). */
export const CHANGE_QUIET_MS = 150;

const CREATED = 1;
const CHANGED = 2;
const DELETED = 3;

export interface Messenger {
  notify(method: string, params: unknown): Promise<void>;
  readonly running: boolean;
}

interface OpenNote {
  version: number;
  editor: Editor;
  sent: string;
  timer?: ReturnType<typeof setTimeout>;
}

/** Whether the sidecar keeps `path`: notes, and the vault's rule and type files. */
export function followed(path: string): boolean {
  return path.endsWith(".md") || /^\.vespera\/(rules|types)\/.+\.ya?ml$/.test(path) || path === ".vespera/config.yaml";
}
// (Obsidian shows no dot-folder in its vault, so .vespera files reach the sidecar through its
// own watcher; they are followed here for editors that open them anyway.)

export class DocumentSync {
  private readonly open = new Map<string, OpenNote>();

  constructor(
    private readonly app: App,
    private readonly locations: Locations,
    private readonly server: Messenger,
  ) {}

  /** The events to register (the plugin unregisters them on unload). */
  events(): EventRef[] {
    const { workspace, vault } = this.app;
    return [
      workspace.on("file-open", () => this.refreshOpen()),
      workspace.on("layout-change", () => this.refreshOpen()),
      workspace.on("editor-change", (editor, info) => {
        const file = info.file;
        if (file && followed(file.path)) this.changed(file.path, editor);
      }),
      vault.on("create", (file) => this.fileEvent(file.path, CREATED)),
      vault.on("modify", (file) => this.modified(file)),
      vault.on("delete", (file) => this.fileEvent(file.path, DELETED)),
      vault.on("rename", (file, oldPath) => this.renamed(file, oldPath)),
    ];
  }

  /** The editor of an open note and the version of its text the sidecar has. */
  openEditor(path: string): OpenEditor | undefined {
    const note = this.open.get(path);
    return note && { version: note.version, editor: note.editor };
  }

  /** Sends the editor's text of `path` now if a change is waiting. */
  async flush(path: string): Promise<void> {
    const note = this.open.get(path);
    if (!note?.timer) return;
    clearTimeout(note.timer);
    note.timer = undefined;
    await this.sendChange(path, note);
  }

  /** After the sidecar (re)started: every open note is opened again. */
  async reopenAll(): Promise<void> {
    for (const [path, note] of this.open) {
      clearTimeout(note.timer);
      note.timer = undefined;
      note.sent = note.editor.getValue();
      await this.didOpen(path, note);
    }
  }

  /** Opens notes newly shown in an editor and closes those no editor shows any more. */
  refreshOpen(): void {
    const shown = new Map<string, Editor>();
    for (const leaf of this.app.workspace.getLeavesOfType("markdown")) {
      const view = leaf.view;
      if (view instanceof MarkdownView && view.file && followed(view.file.path)) shown.set(view.file.path, view.editor);
    }
    for (const [path, note] of this.open) {
      if (!shown.has(path)) {
        clearTimeout(note.timer);
        this.open.delete(path);
        void this.server.notify("textDocument/didClose", { textDocument: { uri: this.locations.uri(path) } });
      }
    }
    for (const [path, editor] of shown) {
      const note = this.open.get(path);
      if (note) {
        note.editor = editor;
        continue;
      }
      const opened = { version: 1, editor, sent: editor.getValue() };
      this.open.set(path, opened);
      void this.didOpen(path, opened);
    }
  }

  private changed(path: string, editor: Editor): void {
    let note = this.open.get(path);
    if (!note) {
      this.refreshOpen();
      note = this.open.get(path);
      if (!note) return;
    }
    note.editor = editor;
    clearTimeout(note.timer);
    note.timer = setTimeout(() => {
      note.timer = undefined;
      void this.sendChange(path, note);
    }, CHANGE_QUIET_MS);
  }

  private async sendChange(path: string, note: OpenNote): Promise<void> {
    const text = note.editor.getValue();
    if (text === note.sent) return;
    note.sent = text;
    note.version += 1;
    await this.server.notify("textDocument/didChange", {
      textDocument: { uri: this.locations.uri(path), version: note.version },
      contentChanges: [{ text }],
    });
  }

  private async didOpen(path: string, note: OpenNote): Promise<void> {
    const languageId = path.endsWith(".md") ? "markdown" : "yaml";
    await this.server.notify("textDocument/didOpen", {
      textDocument: { uri: this.locations.uri(path), languageId, version: note.version, text: note.sent },
    });
  }

  private async modified(file: TAbstractFile): Promise<void> {
    if (!followed(file.path)) return;
    const note = this.open.get(file.path);
    if (note) {
      // Obsidian saved the editor's text: the sidecar takes its changes as events now.
      await this.flush(file.path);
      await this.server.notify("textDocument/didSave", { textDocument: { uri: this.locations.uri(file.path) } });
      return;
    }
    await this.fileEvent(file.path, CHANGED);
  }

  /** A rename is told in order and at once (no await in between: the vault's next event
   * must not overtake it): the old note closed, both names in one file event, the new one
   * opened with the editor's text. */
  private renamed(file: TAbstractFile, oldPath: string): void {
    const note = this.open.get(oldPath);
    if (note) {
      this.open.delete(oldPath);
      void this.server.notify("textDocument/didClose", { textDocument: { uri: this.locations.uri(oldPath) } });
    }
    const changes = [
      ...(followed(oldPath) ? [{ uri: this.locations.uri(oldPath), type: DELETED }] : []),
      ...(followed(file.path) ? [{ uri: this.locations.uri(file.path), type: CREATED }] : []),
    ];
    if (changes.length && this.server.running) void this.server.notify("workspace/didChangeWatchedFiles", { changes });
    if (note && file instanceof TFile && followed(file.path)) {
      // Typing not yet sent belongs to the new name: it goes with its didOpen.
      clearTimeout(note.timer);
      note.timer = undefined;
      note.sent = note.editor.getValue();
      this.open.set(file.path, note);
      void this.didOpen(file.path, note);
    }
  }

  private async fileEvent(path: string, type: number): Promise<void> {
    if (!followed(path) || !this.server.running) return;
    await this.server.notify("workspace/didChangeWatchedFiles", { changes: [{ uri: this.locations.uri(path), type }] });
  }

  dispose(): void {
    for (const note of this.open.values()) clearTimeout(note.timer);
    this.open.clear();
  }
}
