"""``textDocument/codeAction``: quick fixes for Vespera's diagnostics.

- a tag that looks like a slip: replace it with the suggested tag;
- a link to a missing note: create the note (with a title heading; for a link in a field
  whose codex type names the target type, with that type's frontmatter, in the folder most
  notes of that type live in);
- a field the note's codex type requires: add it to the frontmatter;
- a link naming its note in another case: write it as the note is named.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types as lsp

from vespera.codex.new_note import home_folder, new_note_text
from vespera.codex.types import CodexType
from vespera.editor.cursor import declared_type
from vespera.editor.findings import SOURCE
from vespera.editor.navigation import name_range
from vespera.lsp.convert import from_range, to_range
from vespera.lsp.server import VesperaServer
from vespera.lsp.vault_host import VaultHost
from vespera.vault.model import Range
from vespera.vault.resolve import strip_md


def register(server: VesperaServer) -> None:
    """Wire quick fixes."""

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]),
    )
    async def code_action(ls: VesperaServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        """Fixes for the Vespera diagnostics the client sends back."""
        host, doc = ls.document(params.text_document.uri)
        uri = params.text_document.uri
        actions = []
        for diagnostic in params.context.diagnostics:
            if diagnostic.source != SOURCE or not isinstance(diagnostic.data, dict):
                continue
            data: dict[str, Any] = diagnostic.data
            if diagnostic.code == "broken-link" and "target" in data:
                kind = _linked_type(host, declared_type(doc), data.get("field"))
                action = _create_note(ls, host, str(data["target"]), kind, diagnostic)
                if action is not None:
                    actions.append(action)
                continue
            fix = _text_fix(diagnostic, data, doc.parsed.frontmatter_range)
            if fix is not None:
                title, edit = fix
                actions.append(
                    lsp.CodeAction(
                        title=title,
                        kind=lsp.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        is_preferred=True,
                        edit=ls.text_edits([(uri, doc.version, [edit])]),
                    )
                )
        return actions


def _text_fix(
    diagnostic: lsp.Diagnostic, data: dict[str, Any], head: Range | None
) -> tuple[str, lsp.TextEdit] | None:
    """The title and edit of a fix made in the note itself, if the diagnostic has one."""
    if diagnostic.code == "tag-near-duplicate" and "replacement" in data:
        span = name_range(from_range(diagnostic.range), str(data["tag"]))
        edit = lsp.TextEdit(to_range(span), str(data["replacement"]))
        return f"Replace with #{data['replacement']}", edit
    if diagnostic.code == "link-case" and "text" in data:
        return f"Write {data['text']}", lsp.TextEdit(diagnostic.range, str(data["text"]))
    if diagnostic.code == "missing-field" and "field" in data and head is not None:
        empty = "[]" if data.get("list") else ""
        at = lsp.Position(head.end_line, 0)
        insert = lsp.TextEdit(lsp.Range(at, at), f"{data['field']}: {empty}\n")
        return f"Add the field '{data['field']}'", insert
    return None


def _linked_type(host: VaultHost, source_type: str | None, field: object) -> CodexType | None:
    """The codex type a link written in ``field`` of a note of ``source_type`` must have."""
    kind = host.codex.get(source_type)
    spec = kind.fields.get(field) if kind is not None and isinstance(field, str) else None
    if spec is None or spec.type != "link" or not spec.to:
        return None
    return host.codex.get(spec.to[0])


def _create_note(
    ls: VesperaServer,
    host: VaultHost,
    target: str,
    kind: CodexType | None,
    diagnostic: lsp.Diagnostic,
) -> lsp.CodeAction | None:
    workspace = ls.client_capabilities.workspace
    edit_caps = workspace.workspace_edit if workspace else None
    operations = (edit_caps.resource_operations or []) if edit_caps else []
    if lsp.ResourceOperationKind.Create not in operations or not ls.versioned_edits:
        return None  # without file creation through the editor, there is no safe way here
    name = strip_md(target).strip("/")
    if not name or ".." in name.split("/"):
        return None
    title = name.rsplit("/", 1)[-1]
    folder = ""
    if "/" not in name and kind is not None:
        # A character goes where the vault keeps its characters.
        notes = ((p, n.type) for p, n in host.catalog.notes.items())
        folder = home_folder(notes, kind.name)
    path = f"{folder}/{name}.md" if folder else f"{name}.md"
    if (host.root / path).exists():
        return None
    uri = ls.uri_of(host, path)
    described = f" ({kind.name})" if kind is not None else ""
    return lsp.CodeAction(
        title=f"Create note {path}{described}",
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=lsp.WorkspaceEdit(
            document_changes=[
                lsp.CreateFile(uri=uri, options=lsp.CreateFileOptions(ignore_if_exists=True)),
                lsp.TextDocumentEdit(
                    text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=None
                    ),
                    edits=[
                        lsp.TextEdit(
                            lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
                            new_note_text(title, kind),
                        )
                    ],
                ),
            ]
        ),
    )
