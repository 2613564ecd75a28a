"""``textDocument/documentSymbol`` (a note's headings as an outline) and ``workspace/symbol``
(notes by title, name or alias)."""

from __future__ import annotations

from posixpath import basename

from lsprotocol import types as lsp

from vespera.editor.navigation import OutlineEntry, outline
from vespera.lsp.convert import to_range
from vespera.lsp.server import VesperaServer
from vespera.vault.resolve import fold, strip_md

_WORKSPACE_LIMIT = 200
_TOP = lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))


def register(server: VesperaServer) -> None:
    """Wire document and workspace symbols."""

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(
        ls: VesperaServer, params: lsp.DocumentSymbolParams
    ) -> list[lsp.DocumentSymbol]:
        """The note's headings, nested by level."""
        host, doc = ls.document(params.text_document.uri)
        await host.parse(doc)
        return [_symbol(e) for e in outline(doc.parsed, doc.lines.line_count)]

    @server.feature(lsp.WORKSPACE_SYMBOL)
    async def workspace_symbol(
        ls: VesperaServer, params: lsp.WorkspaceSymbolParams
    ) -> list[lsp.SymbolInformation]:
        """Notes whose name, title or an alias contains the query."""
        wanted = fold(params.query.strip())
        found: list[tuple[int, str, lsp.SymbolInformation]] = []
        for host in ls.vaults:
            for path, note in host.catalog.notes.items():
                name = basename(strip_md(path))
                texts = [name, note.title, *note.aliases]
                hits = [fold(t).find(wanted) for t in texts]
                if not any(h >= 0 for h in hits):
                    continue
                rank = 0 if any(h == 0 for h in hits) else 1
                found.append(
                    (
                        rank,
                        note.title,
                        lsp.SymbolInformation(
                            name=note.title,
                            kind=lsp.SymbolKind.File,
                            location=lsp.Location(ls.uri_of(host, path), _TOP),
                            container_name=note.type or None,
                        ),
                    )
                )
        found.sort(key=lambda f: (f[0], f[1]))
        return [f[2] for f in found[:_WORKSPACE_LIMIT]]


def _symbol(entry: OutlineEntry) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(
        name=entry.heading.text or "(empty heading)",
        detail="#" * entry.heading.level,
        kind=lsp.SymbolKind.String,
        range=to_range(entry.section),
        selection_range=to_range(entry.heading.range),
        children=[_symbol(c) for c in entry.children],
    )
