"""``workspace/willRenameFiles``: renaming or moving a note updates the links to it.

The editor asks before it renames; the answer is one workspace edit with every link that
would otherwise break, which the editor applies together with the rename.
"""

from __future__ import annotations

from posixpath import dirname

from lsprotocol import types as lsp

from vespera.editor.note_rename import relinked, rename_edits
from vespera.editor.rename import TextEdit
from vespera.lsp.features.rename import note_edits
from vespera.lsp.server import VesperaServer
from vespera.lsp.vault_host import VaultHost
from vespera.vault.model import Link
from vespera.vault.walk import is_note_path

_NOTES = lsp.FileOperationRegistrationOptions(
    filters=[
        lsp.FileOperationFilter(
            pattern=lsp.FileOperationPattern(
                glob="**/*.md", matches=lsp.FileOperationPatternKind.File
            )
        )
    ]
)


def register(server: VesperaServer) -> None:
    """Wire note renames."""

    @server.feature(lsp.WORKSPACE_WILL_RENAME_FILES, _NOTES)
    async def will_rename_files(
        ls: VesperaServer, params: lsp.RenameFilesParams
    ) -> lsp.WorkspaceEdit | None:
        """Edits keeping every link to the renamed notes working."""
        per_host: dict[VaultHost, dict[str, list[TextEdit]]] = {}
        for rename in params.files:
            old = ls.host_of(rename.old_uri)
            new = ls.host_of(rename.new_uri)
            if old is None or new is None or old[0] is not new[0]:
                continue  # leaving or entering a vault: nothing in it can be kept pointing
            host, old_path = old
            new_path = new[1]
            if not (is_note_path(old_path) and is_note_path(new_path)) or host.reader is None:
                continue
            await host.flush_all()
            links: list[tuple[str, Link]] = [
                (source, link)
                for source, link in await host.reader.links_to(old_path)
                if source not in host.documents and source != old_path
            ]
            for path, doc in host.documents.items():
                if path == old_path:
                    continue
                await host.parse(doc)
                links += [
                    (path, link)
                    for link in doc.parsed.links
                    if link.target and host.resolve(link.target, link.kind, path).path == old_path
                ]
            target = host.catalog.link_text(new_path, instead_of=old_path)
            mine = per_host.setdefault(host, {})
            for source, edits in rename_edits(links, new_path, target).items():
                mine.setdefault(source, []).extend(edits)
            moved = await host.document_of(old_path)
            if dirname(old_path) != dirname(new_path) and moved is not None:
                # Its own relative links are read from its new folder after the move.
                for link in moved.parsed.links:
                    found = host.resolve(link.target, link.kind, old_path)
                    if link.kind != "markdown" or found.path is None:
                        continue
                    text = relinked(link, new_path, found.path, "")
                    if text is not None:
                        mine.setdefault(old_path, []).append(TextEdit(link.range, text))
        documents = [d for host, edits in per_host.items() for d in note_edits(ls, host, edits)]
        return ls.text_edits(documents) if documents else None
