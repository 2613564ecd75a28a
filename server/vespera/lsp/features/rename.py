"""``textDocument/prepareRename`` and ``textDocument/rename`` for tags.

Renaming a tag rewrites it everywhere, inline and in frontmatter, nested children included
(``#mood`` to ``#feeling`` also turns ``#mood/calm`` into ``#feeling/calm``), as one workspace
edit. Open notes are edited at the version the editor holds.
"""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcRequestCancelled

from vespera.editor.navigation import element_at, name_range
from vespera.editor.rename import RenameError, TextEdit, checked_tag_name, tag_rename_edits
from vespera.lsp.convert import to_range
from vespera.lsp.features.navigation import tag_spots
from vespera.lsp.server import VesperaServer
from vespera.lsp.vault_host import VaultHost
from vespera.vault.model import Tag


def register(server: VesperaServer) -> None:
    """Wire tag renaming."""

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(
        ls: VesperaServer, params: lsp.PrepareRenameParams
    ) -> lsp.PrepareRenamePlaceholder | None:
        """Only tags are renamed here: say so anywhere else."""
        host, doc = ls.document(params.text_document.uri)
        await host.parse(doc)
        element = element_at(doc.parsed, params.position.line, params.position.character)
        if not isinstance(element, Tag):
            raise JsonRpcInvalidParams("Only tags can be renamed here; put the cursor on a tag.")
        return lsp.PrepareRenamePlaceholder(
            range=to_range(name_range(element.range, element.name)), placeholder=element.name
        )

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    async def rename(ls: VesperaServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        """Rename the tag under the cursor across the vault."""
        host, doc = ls.document(params.text_document.uri)
        await host.parse(doc)
        element = element_at(doc.parsed, params.position.line, params.position.character)
        if not isinstance(element, Tag):
            raise JsonRpcInvalidParams("Only tags can be renamed here; put the cursor on a tag.")
        try:
            new_name = checked_tag_name(params.new_name)
        except RenameError as exc:
            raise JsonRpcInvalidParams(str(exc)) from None
        if host.reader is None:
            raise JsonRpcRequestCancelled("The vault's index is not available to rename from.")
        await host.flush_all()
        spots = await tag_spots(host, element.norm, children=True)
        edits = tag_rename_edits(spots, element.norm, new_name)
        return ls.text_edits(note_edits(ls, host, edits))


def note_edits(
    ls: VesperaServer, host: VaultHost, edits: dict[str, list[TextEdit]]
) -> list[tuple[str, int | None, list[lsp.TextEdit]]]:
    """Edits by vault path, addressed as the editor knows the notes (open ones by version)."""
    out = []
    for path, path_edits in sorted(edits.items()):
        doc = host.documents.get(path)
        converted = [lsp.TextEdit(to_range(e.range), e.text) for e in path_edits]
        out.append((ls.uri_of(host, path), doc.version if doc else None, converted))
    return out
