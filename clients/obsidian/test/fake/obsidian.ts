// A small fake of the Obsidian API: what the plugin calls, over a real folder on disk (so the
// real sidecar sees the same notes), with elements that record their text and buttons, and
// editors that keep their text and every transaction. The bundler puts it in place of
// `obsidian` for the tests.
import { StateField } from "@codemirror/state";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

type Callback = (...args: never[]) => unknown;

/** What the plugin showed: notices, modals; one record per test (see `reset`). */
export const shown = {
  notices: [] as Notice[],
  modals: [] as Modal[],
  reset(): void {
    this.notices = [];
    this.modals = [];
  },
};

export class FakeElement {
  children: FakeElement[] = [];
  classes = new Set<string>();
  private ownText = "";
  private readonly listeners = new Map<string, ((event: { stopPropagation(): void }) => void)[]>();
  parent: FakeElement | undefined;
  constructor(readonly tag = "div") {}
  createEl(tag: string, options: { text?: string; cls?: string } = {}): FakeElement {
    const child = new FakeElement(tag);
    child.ownText = options.text ?? "";
    for (const cls of (options.cls ?? "").split(/\s+/).filter(Boolean)) child.classes.add(cls);
    child.parent = this;
    this.children.push(child);
    return child;
  }
  createDiv(options: { text?: string; cls?: string } = {}): FakeElement {
    return this.createEl("div", options);
  }
  createSpan(options: { text?: string; cls?: string } = {}): FakeElement {
    return this.createEl("span", options);
  }
  setText(text: string): void {
    this.ownText = text;
  }
  empty(): void {
    this.children = [];
    this.ownText = "";
  }
  addClass(cls: string): void {
    this.classes.add(cls);
  }
  remove(): void {
    if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this);
  }
  addEventListener(type: string, fn: (event: { stopPropagation(): void }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  click(): void {
    for (const fn of this.listeners.get("click") ?? []) fn({ stopPropagation() {} });
  }
  get text(): string {
    return [this.ownText, ...this.children.map((c) => c.text)].filter(Boolean).join(" ");
  }
  /** Every element below, depth first. */
  all(): FakeElement[] {
    return this.children.flatMap((c) => [c, ...c.all()]);
  }
  /** The first button (or element) whose own text is `text`. */
  button(text: string): FakeElement {
    const found = this.all().find((e) => e.tag === "button" && e.ownText === text);
    if (!found) throw new Error(`no button '${text}' in: ${this.text}`);
    return found;
  }
}

export class Notice {
  noticeEl = new FakeElement();
  messageEl = new FakeElement();
  hidden = false;
  constructor(
    readonly message: string,
    readonly duration?: number,
  ) {
    this.messageEl.setText(message);
    shown.notices.push(this);
  }
  setMessage(message: string): this {
    this.messageEl.setText(message);
    return this;
  }
  hide(): void {
    this.hidden = true;
  }
}

export class Component {
  loaded = false;
  load(): void {
    this.loaded = true;
  }
  unload(): void {
    this.loaded = false;
  }
}

export const MarkdownRenderer = {
  async render(_app: unknown, markdown: string, el: FakeElement): Promise<void> {
    el.createDiv({ text: markdown });
  },
};

export class Modal {
  contentEl = new FakeElement();
  titleEl = new FakeElement();
  isOpen = false;
  constructor(readonly app: App) {}
  open(): void {
    this.isOpen = true;
    shown.modals.push(this);
    (this as unknown as { onOpen?: () => void }).onOpen?.();
  }
  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    (this as unknown as { onClose?: () => void }).onClose?.();
  }
}

export class SuggestModal<T> extends Modal {
  placeholder = "";
  setPlaceholder(text: string): void {
    this.placeholder = text;
  }
  /** Test helper: what it offers for `query`, and choosing the `index`th. */
  async offer(query: string): Promise<T[]> {
    return (this as unknown as { getSuggestions(q: string): T[] | Promise<T[]> }).getSuggestions(query);
  }
  choose(item: T): void {
    (this as unknown as { onChooseSuggestion(i: T): void }).onChooseSuggestion(item);
    this.close();
  }
}

export class EditorSuggest<T> {
  context: { editor: FakeEditor; file: TFile; start: Position; end: Position; query: string } | null = null;
  limit = 100;
  closed = 0;
  constructor(readonly app: App) {}
  close(): void {
    this.closed++;
  }
  declare getSuggestions: (context: NonNullable<EditorSuggest<T>["context"]>) => Promise<T[]>;
}

export class TAbstractFile {
  constructor(public path: string) {}
  get name(): string {
    return this.path.split("/").pop() ?? this.path;
  }
}
export class TFile extends TAbstractFile {
  get extension(): string {
    return this.name.includes(".") ? this.name.split(".").pop()! : "";
  }
  get basename(): string {
    return this.name.replace(/\.[^.]*$/, "");
  }
}

export class FileSystemAdapter {
  constructor(private readonly base: string) {}
  getBasePath(): string {
    return this.base;
  }
}

class Events {
  private readonly handlers = new Map<string, Callback[]>();
  on(name: string, callback: Callback): { name: string } {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), callback]);
    return { name };
  }
  trigger(name: string, ...args: unknown[]): void {
    for (const callback of this.handlers.get(name) ?? []) (callback as (...a: unknown[]) => unknown)(...args);
  }
}

export class Vault extends Events {
  adapter: FileSystemAdapter;
  constructor(readonly base: string) {
    super();
    this.adapter = new FileSystemAdapter(base);
  }
  getName(): string {
    return this.base.split("/").pop() ?? "vault";
  }
  getAbstractFileByPath(path: string): TFile | null {
    return path && existsSync(join(this.base, path)) ? new TFile(path) : null;
  }
  async read(file: TFile): Promise<string> {
    return readFileSync(join(this.base, file.path), "utf8");
  }
  async modify(file: TFile, text: string): Promise<void> {
    writeFileSync(join(this.base, file.path), text);
    this.trigger("modify", file);
  }
  async process(file: TFile, fn: (text: string) => string): Promise<string> {
    const text = fn(readFileSync(join(this.base, file.path), "utf8"));
    await this.modify(file, text);
    return text;
  }
  async create(path: string, text: string): Promise<TFile> {
    mkdirSync(dirname(join(this.base, path)), { recursive: true });
    writeFileSync(join(this.base, path), text);
    const file = new TFile(path);
    this.trigger("create", file);
    return file;
  }
  async rename(file: TAbstractFile, to: string): Promise<void> {
    const from = file.path;
    renameSync(join(this.base, from), join(this.base, to));
    file.path = to;
    this.trigger("rename", file, from);
  }
  async trash(file: TAbstractFile): Promise<void> {
    rmSync(join(this.base, file.path));
    this.trigger("delete", file);
  }
}

export interface Position {
  line: number;
  ch: number;
}

/** An editor: its text, and each transaction (with its origin) for undo. */
export class FakeEditor {
  transactions: { origin?: string; before: string }[] = [];
  cursor: Position = { line: 0, ch: 0 };
  constructor(
    private value: string,
    private readonly changed: (editor: FakeEditor) => void = () => {},
  ) {}
  getValue(): string {
    return this.value;
  }
  getLine(n: number): string {
    return this.value.split("\n")[n] ?? "";
  }
  lineCount(): number {
    return this.value.split("\n").length;
  }
  getCursor(): Position {
    return this.cursor;
  }
  posToOffset(p: Position): number {
    const lines = this.value.split("\n");
    let offset = 0;
    for (let i = 0; i < p.line && i < lines.length; i++) offset += lines[i]!.length + 1;
    return offset + p.ch;
  }
  /** Typing: the text replaced, as the writer's keystrokes do. */
  replaceRange(text: string, from: Position, to: Position = from): void {
    this.transaction({ changes: [{ from, to, text }] }, "input");
  }
  setValue(text: string): void {
    this.transaction({ changes: [{ from: { line: 0, ch: 0 }, to: this.end(), text }] }, "input");
  }
  transaction(tx: { changes?: { from: Position; to?: Position; text: string }[] }, origin?: string): void {
    const before = this.value;
    const spans = (tx.changes ?? [])
      .map((c) => ({ from: this.posToOffset(c.from), to: this.posToOffset(c.to ?? c.from), text: c.text }))
      .sort((a, b) => b.from - a.from);
    for (const s of spans) this.value = this.value.slice(0, s.from) + s.text + this.value.slice(s.to);
    this.transactions.push({ origin, before });
    this.changed(this);
  }
  /** The last transaction taken back, as Ctrl+Z would. */
  undo(): void {
    const last = this.transactions.pop();
    if (last) {
      this.value = last.before;
      this.changed(this);
    }
  }
  private end(): Position {
    const lines = this.value.split("\n");
    return { line: lines.length - 1, ch: lines.at(-1)!.length };
  }
}

export class MarkdownView {
  constructor(
    public file: TFile | null,
    public editor: FakeEditor,
  ) {}
  getViewType(): string {
    return "markdown";
  }
}

export class ItemView {
  contentEl = new FakeElement();
  constructor(readonly leaf: WorkspaceLeaf) {}
}

export class WorkspaceLeaf {
  view: unknown;
  constructor(private readonly workspace: Workspace) {}
  async openFile(file: TFile, state?: unknown): Promise<void> {
    this.workspace.opened.push({ path: file.path, state });
  }
  async setViewState(state: { type: string }): Promise<void> {
    const creator = this.workspace.creators.get(state.type);
    if (creator) {
      this.view = creator(this);
      this.workspace.leaves.push({ type: state.type, leaf: this });
      await (this.view as { onOpen(): Promise<void> }).onOpen();
    }
  }
}

export class Workspace extends Events {
  leaves: { type: string; leaf: WorkspaceLeaf }[] = [];
  creators = new Map<string, (leaf: WorkspaceLeaf) => unknown>();
  opened: { path: string; state?: unknown }[] = [];
  activeFile: TFile | null = null;
  getLeavesOfType(type: string): WorkspaceLeaf[] {
    return this.leaves.filter((l) => l.type === type).map((l) => l.leaf);
  }
  getActiveFile(): TFile | null {
    return this.activeFile;
  }
  getLeaf(): WorkspaceLeaf {
    return new WorkspaceLeaf(this);
  }
  getRightLeaf(): WorkspaceLeaf {
    return new WorkspaceLeaf(this);
  }
  async revealLeaf(): Promise<void> {}
  onLayoutReady(callback: () => void): void {
    callback();
  }
  /** Test helper: shows `file` in a markdown editor with `text`, as opening a note does. */
  openNote(file: TFile, text: string): FakeEditor {
    const editor = new FakeEditor(text, (e) => this.trigger("editor-change", e, { file }));
    const leaf = new WorkspaceLeaf(this);
    leaf.view = new MarkdownView(file, editor);
    this.leaves.push({ type: "markdown", leaf });
    this.activeFile = file;
    this.trigger("file-open", file);
    return editor;
  }
}

export class App {
  workspace = new Workspace();
  constructor(readonly vault: Vault) {}
}

export class Plugin {
  commands: { id: string; name: string; callback: () => void }[] = [];
  settingTabs: unknown[] = [];
  suggests: unknown[] = [];
  editorExtensions: unknown[] = [];
  statusBar: FakeElement[] = [];
  events: unknown[] = [];
  data: unknown = null;
  constructor(
    readonly app: App,
    readonly manifest: unknown = {},
  ) {}
  async loadData(): Promise<unknown> {
    return this.data;
  }
  async saveData(data: unknown): Promise<void> {
    this.data = JSON.parse(JSON.stringify(data));
  }
  addCommand(command: { id: string; name: string; callback: () => void }): void {
    this.commands.push(command);
  }
  addSettingTab(tab: unknown): void {
    this.settingTabs.push(tab);
  }
  registerView(type: string, creator: (leaf: WorkspaceLeaf) => unknown): void {
    this.app.workspace.creators.set(type, creator);
  }
  registerEditorSuggest(suggest: unknown): void {
    this.suggests.push(suggest);
  }
  registerEditorExtension(extension: unknown): void {
    this.editorExtensions.push(extension);
  }
  registerEvent(ref: unknown): void {
    this.events.push(ref);
  }
  addStatusBarItem(): FakeElement {
    const el = new FakeElement();
    this.statusBar.push(el);
    return el;
  }
  /** Test helper: runs the command named `id`. */
  run(id: string): void {
    const command = this.commands.find((c) => c.id === id);
    if (!command) throw new Error(`no command ${id}`);
    command.callback();
  }
}

export class PluginSettingTab {
  containerEl = new FakeElement();
  constructor(
    readonly app: App,
    readonly plugin: Plugin,
  ) {}
}

/** A setting row; its controls record their change handlers, which tests call. */
export class Setting {
  name = "";
  controls: { kind: string; value: unknown; change?: (value: never) => unknown }[] = [];
  static all: Setting[] = [];
  constructor(readonly containerEl: FakeElement) {
    Setting.all.push(this);
  }
  setName(name: string): this {
    this.name = name;
    return this;
  }
  setDesc(): this {
    return this;
  }
  private control(kind: string) {
    const control: Setting["controls"][number] = { kind, value: undefined };
    this.controls.push(control);
    const api = {
      setPlaceholder: () => api,
      addOptions: () => api,
      setValue: (value: unknown) => ((control.value = value), api),
      onChange: (fn: (value: never) => unknown) => ((control.change = fn), api),
    };
    return api;
  }
  addText(build: (text: ReturnType<Setting["control"]>) => unknown): this {
    build(this.control("text"));
    return this;
  }
  addDropdown(build: (drop: ReturnType<Setting["control"]>) => unknown): this {
    build(this.control("dropdown"));
    return this;
  }
  addToggle(build: (toggle: ReturnType<Setting["control"]>) => unknown): this {
    build(this.control("toggle"));
    return this;
  }
}

/** Obsidian's field naming the note an editor shows. */
export const editorInfoField = StateField.define<{ file: TFile | null }>({
  create: () => ({ file: null }),
  update: (value) => value,
});
