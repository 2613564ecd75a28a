// A small fake of the `vscode` API: what the extension calls, recording what it was asked to
// show, with answers the test chooses. The bundler puts it in place of `vscode` for tests.
import { readFileSync } from "node:fs";
import { posix } from "node:path";

type Listener<T> = (value: T) => unknown;

export class Disposable {
  constructor(private readonly fn: () => void = () => {}) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.fn();
  }
}

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  };
  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    readonly query = "",
  ) {}
  static file(path: string): Uri {
    return new Uri("file", path);
  }
  static parse(text: string): Uri {
    const match = /^([a-z][a-z0-9+.-]*):(?:\/\/[^/]*)?([^?#]*)(?:\?([^#]*))?/i.exec(text);
    if (!match) throw new Error(`not a URI: ${text}`);
    return new Uri(match[1]!, decodeURIComponent(match[2]!), match[3] ? decodeURIComponent(match[3]) : "");
  }
  static from(parts: { scheme: string; path?: string; query?: string }): Uri {
    return new Uri(parts.scheme, parts.path ?? "", parts.query ?? "");
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, posix.join(base.path, ...parts), base.query);
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    const path = this.path.split("/").map(encodeURIComponent).join("/");
    const authority = this.scheme === "file" ? "//" : "";
    return `${this.scheme}:${authority}${path}${this.query ? `?${encodeURIComponent(this.query)}` : ""}`;
  }
}

export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}
export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}
export enum ViewColumn {
  Active = -1,
  Beside = -2,
}
export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}
export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}
export class ThemeColor {
  constructor(readonly id: string) {}
}
export class MarkdownString {
  constructor(readonly value = "") {}
}
export class TreeItem {
  description?: string;
  tooltip?: string | MarkdownString;
  iconPath?: ThemeIcon;
  command?: { command: string; title: string; arguments?: unknown[] };
  contextValue?: string;
  resourceUri?: Uri;
  id?: string;
  constructor(
    readonly label: string,
    readonly collapsibleState = TreeItemCollapsibleState.None,
  ) {}
}

export interface Shown {
  level: "info" | "warning" | "error";
  text: string;
  items: string[];
  modal: boolean;
}

export interface FakeDocument {
  uri: Uri;
  languageId: string;
  getText(): string;
}

/** What the extension did, and the answers it gets: one per test (see `reset`). */
export const fake = {
  messages: [] as Shown[],
  /** Answers to messages, in order; a function sees the message. Unanswered: dismissed. */
  answers: [] as (string | undefined | ((shown: Shown) => string | undefined))[],
  /** Answers every message once `answers` is empty, if set. */
  responder: undefined as ((shown: Shown) => string | undefined) | undefined,
  picks: [] as ((items: unknown[]) => unknown)[],
  quickPicks: [] as FakeQuickPick[],
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  executed: [] as { id: string; args: unknown[] }[],
  config: new Map<string, unknown>(),
  statusItems: [] as FakeStatusItem[],
  treeViews: new Map<string, FakeTreeView>(),
  providers: new Map<string, { provideTextDocumentContent(uri: Uri): string | Promise<string> }>(),
  opened: [] as { uri: Uri; text: string }[],
  outputs: [] as FakeOutput[],
  reset(): void {
    this.messages = [];
    this.answers = [];
    this.responder = undefined;
    this.picks = [];
    this.quickPicks = [];
    this.commands.clear();
    this.executed = [];
    this.config.clear();
    this.statusItems = [];
    this.treeViews.clear();
    this.providers.clear();
    this.opened = [];
    this.outputs = [];
    workspace.isTrusted = true;
    workspace.workspaceFolders = [];
    workspace.textDocuments = [];
    window.activeTextEditor = undefined;
    window.visibleTextEditors = [];
  },
  /** Resolves once `check` holds (checked every 10 ms), or fails after `ms`. */
  async until(check: () => unknown, what: string, ms = 5_000): Promise<void> {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  },
  grantTrust(): void {
    workspace.isTrusted = true;
    trustGranted.fire();
  },
  changeConfiguration(section: string): void {
    configurationChanged.fire({ affectsConfiguration: (s: string) => section.startsWith(s) || s.startsWith(section) });
  },
  /** Makes `path` (with `text`, or read from disk) the active editor's markdown note. */
  openNote(uri: Uri, text?: string): FakeDocument {
    const doc = { uri, languageId: uri.path.endsWith(".md") ? "markdown" : "yaml", getText: () => text ?? readFileSync(uri.fsPath, "utf8") };
    window.activeTextEditor = { document: doc };
    window.visibleTextEditors = [{ document: doc }];
    workspace.textDocuments = [doc];
    activeEditorChanged.fire(window.activeTextEditor);
    return doc;
  },
};

class FakeOutput {
  lines: string[] = [];
  shown = false;
  constructor(readonly name: string) {}
  appendLine(line: string): void {
    this.lines.push(line);
  }
  append(text: string): void {
    this.lines.push(text);
  }
  show(): void {
    this.shown = true;
  }
  clear(): void {}
  hide(): void {}
  replace(): void {}
  dispose(): void {}
}

class FakeStatusItem {
  text = "";
  tooltip = "";
  name = "";
  command?: string;
  backgroundColor?: ThemeColor;
  visible = false;
  constructor(
    readonly id: string,
    readonly alignment: StatusBarAlignment,
  ) {}
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  dispose(): void {}
}

class FakeTreeView {
  visible = true;
  private readonly visibility = new EventEmitter<{ visible: boolean }>();
  readonly onDidChangeVisibility = this.visibility.event;
  constructor(
    readonly id: string,
    readonly provider: {
      getChildren(node?: unknown): unknown[] | Promise<unknown[]>;
      getTreeItem(node: unknown): TreeItem;
      onDidChangeTreeData?: (listener: Listener<unknown>) => Disposable;
    },
  ) {}
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.visibility.fire({ visible });
  }
  dispose(): void {}
}

export class FakeQuickPick {
  items: { label: string }[] = [];
  selectedItems: { label: string }[] = [];
  placeholder = "";
  busy = false;
  matchOnDescription = false;
  matchOnDetail = false;
  shown = false;
  private readonly value = new EventEmitter<string>();
  private readonly accept = new EventEmitter<void>();
  private readonly hidden = new EventEmitter<void>();
  readonly onDidChangeValue = this.value.event;
  readonly onDidAccept = this.accept.event;
  readonly onDidHide = this.hidden.event;
  type(text: string): void {
    this.value.fire(text);
  }
  choose(index: number): void {
    this.selectedItems = [this.items[index]!];
    this.accept.fire();
  }
  show(): void {
    this.shown = true;
  }
  hide(): void {
    this.shown = false;
    this.hidden.fire();
  }
  dispose(): void {}
}

const trustGranted = new EventEmitter<void>();
const configurationChanged = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();
const activeEditorChanged = new EventEmitter<unknown>();
const saved = new EventEmitter<unknown>();

function show(level: Shown["level"]) {
  return async (text: string, ...rest: unknown[]): Promise<string | undefined> => {
    const modal = typeof rest[0] === "object" && rest[0] !== null && (rest[0] as { modal?: boolean }).modal === true;
    const items = rest.filter((r): r is string => typeof r === "string");
    const shown = { level, text, items, modal };
    fake.messages.push(shown);
    const answer = fake.answers.length ? fake.answers.shift() : fake.responder;
    return typeof answer === "function" ? answer(shown) : answer;
  };
}

export const window = {
  activeTextEditor: undefined as { document: FakeDocument } | undefined,
  visibleTextEditors: [] as { document: FakeDocument }[],
  onDidChangeActiveTextEditor: activeEditorChanged.event,
  showInformationMessage: show("info"),
  showWarningMessage: show("warning"),
  showErrorMessage: show("error"),
  createOutputChannel(name: string): FakeOutput {
    const output = new FakeOutput(name);
    fake.outputs.push(output);
    return output;
  },
  createStatusBarItem(id: string, alignment: StatusBarAlignment): FakeStatusItem {
    const item = new FakeStatusItem(id, alignment);
    fake.statusItems.push(item);
    return item;
  },
  createTreeView(id: string, options: { treeDataProvider: FakeTreeView["provider"] }): FakeTreeView {
    const view = new FakeTreeView(id, options.treeDataProvider);
    fake.treeViews.set(id, view);
    return view;
  },
  async showQuickPick(items: unknown[]): Promise<unknown> {
    const pick = fake.picks.shift();
    return pick ? pick(items) : undefined;
  },
  createQuickPick(): FakeQuickPick {
    const pick = new FakeQuickPick();
    fake.quickPicks.push(pick);
    return pick;
  },
  async showWorkspaceFolderPick(): Promise<unknown> {
    return workspace.workspaceFolders[0];
  },
  async showTextDocument(target: Uri | { uri: Uri; getText(): string }): Promise<unknown> {
    const doc = target instanceof Uri ? { uri: target, getText: () => "" } : target;
    fake.opened.push({ uri: doc.uri, text: doc.getText() });
    return { document: doc };
  },
  async withProgress<T>(_options: unknown, task: (progress: unknown, token: unknown) => Promise<T>): Promise<T> {
    return task({ report() {} }, { isCancellationRequested: false });
  },
};

export const workspace = {
  isTrusted: true,
  workspaceFolders: [] as { uri: Uri; name: string; index: number }[],
  textDocuments: [] as FakeDocument[],
  onDidGrantWorkspaceTrust: trustGranted.event,
  onDidChangeConfiguration: configurationChanged.event,
  onDidSaveTextDocument: saved.event,
  getConfiguration(section: string) {
    return {
      get<T>(key: string, fallback?: T): T | undefined {
        const full = `${section}.${key}`;
        return fake.config.has(full) ? (fake.config.get(full) as T) : fallback;
      },
    };
  },
  getWorkspaceFolder(uri: Uri) {
    return workspace.workspaceFolders.find((f) => uri.path === f.uri.path || uri.path.startsWith(`${f.uri.path}/`));
  },
  registerTextDocumentContentProvider(scheme: string, provider: { provideTextDocumentContent(uri: Uri): string | Promise<string> }): Disposable {
    fake.providers.set(scheme, provider);
    return new Disposable(() => fake.providers.delete(scheme));
  },
  async openTextDocument(uri: Uri): Promise<FakeDocument> {
    const provider = fake.providers.get(uri.scheme);
    const text = provider ? await provider.provideTextDocumentContent(uri) : readFileSync(uri.fsPath, "utf8");
    return { uri, languageId: "markdown", getText: () => text };
  },
};

export const commands = {
  registerCommand(id: string, fn: (...args: unknown[]) => unknown): Disposable {
    if (fake.commands.has(id)) throw new Error(`command ${id} registered twice`);
    fake.commands.set(id, fn);
    return new Disposable(() => fake.commands.delete(id));
  },
  async executeCommand(id: string, ...args: unknown[]): Promise<unknown> {
    fake.executed.push({ id, args });
    const fn = fake.commands.get(id);
    return fn ? fn(...args) : undefined;
  },
};
