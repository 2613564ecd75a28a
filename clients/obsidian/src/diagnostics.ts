// Codex problems in the editor: an underline under each finding, by severity, with the message
// on hover. A CodeMirror 6 extension: each editor asks the store for its note's diagnostics
// and draws them again when the sidecar publishes new ones.
import { RangeSetBuilder, type Text } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, type DecorationSet, type PluginValue, type ViewUpdate } from "@codemirror/view";
import { editorInfoField } from "obsidian";
import type { Diagnostic } from "./bridge";

const SEVERITY = ["", "error", "warning", "info", "hint"];

/** The diagnostics of a note, by its vault path; and news of new ones. */
export interface DiagnosticSource {
  forPath(path: string): Diagnostic[];
  onChange(listener: () => void): () => void;
}

/** The decorations of `diagnostics` over `doc` (ranges clamped to the text; an empty range
 * marks the character after it, so a finding at the end of a line is still seen). */
export function decorations(doc: Text, diagnostics: Diagnostic[]): DecorationSet {
  const offset = (p: { line: number; character: number }) => {
    if (p.line + 1 > doc.lines) return doc.length;
    const line = doc.line(p.line + 1);
    return Math.min(line.from + p.character, line.to);
  };
  const marks = diagnostics
    .map((d) => {
      let from = offset(d.range.start);
      let to = offset(d.range.end);
      if (to <= from) {
        to = Math.min(from + 1, doc.length);
        if (to === from && from > 0) from -= 1;
      }
      return { from, to, d };
    })
    .filter((m) => m.to > m.from)
    .sort((a, b) => a.from - b.from || a.to - b.to);
  const builder = new RangeSetBuilder<Decoration>();
  for (const { from, to, d } of marks) {
    const severity = SEVERITY[d.severity ?? 1] ?? "error";
    builder.add(
      from,
      to,
      Decoration.mark({
        class: `vespera-diagnostic vespera-diagnostic-${severity}`,
        attributes: { title: `${d.message}${d.code ? ` (${d.code})` : ""}` },
      }),
    );
  }
  return builder.finish();
}

/** The editor extension: underlines from `source`, kept current. */
export function diagnosticsExtension(source: DiagnosticSource) {
  return ViewPlugin.fromClass(
    class implements PluginValue {
      decorations: DecorationSet;
      private readonly stop: () => void;

      constructor(private readonly view: EditorView) {
        this.decorations = this.build();
        // A publish arrives outside any editor transaction: redraw on the next frame.
        this.stop = source.onChange(() => {
          this.decorations = this.build();
          view.dispatch({});
        });
      }

      update(update: ViewUpdate): void {
        if (update.docChanged) this.decorations = this.decorations.map(update.changes);
      }

      destroy(): void {
        this.stop();
      }

      private build(): DecorationSet {
        const file = this.view.state.field(editorInfoField, false)?.file;
        return decorations(this.view.state.doc, file ? source.forPath(file.path) : []);
      }
    },
    { decorations: (plugin) => plugin.decorations },
  );
}
