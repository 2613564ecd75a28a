"""``workspace/willRenameFiles``: renaming or moving a note updates the links to it.

The editor asks before it renames; the answer is one workspace edit with every link that
would otherwise break, which the editor applies together with the rename.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from posixpath import basename, dirname

from lsprotocol import types as lsp

from vespera.editor.document import EditorDocument
from vespera.editor.note_rename import relinked, rename_edits
from vespera.editor.rename import TextEdit
from vespera.lsp.features.rename import workspace_edit
from vespera.lsp.server import VesperaServer
from vespera.lsp.vault_host import VaultHost
from vespera.vault.model import Link
from vespera.vault.resolve import fold, strip_md
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
            resolver = host.session.indexer.resolver if host.session else None
            for path, doc in host.documents.items():
                if path == old_path or resolver is None:
                    continue
                await host.parse(doc)
                for link in doc.parsed.links:
                    found = resolver.resolve(link.target, link.kind, path) if link.target else None
                    if found is not None and found.path == old_path:
                        links.append((path, link))
            target = _target(host.catalog.notes, old_path, new_path)
            mine = per_host.setdefault(host, {})
            for source, edits in rename_edits(links, new_path, target).items():
                mine.setdefault(source, []).extend(edits)
            if dirname(old_path) != dirname(new_path) and resolver is not None:
                # Its own relative links are read from its new folder after the move.
                own = await _own_links(host, old_path)
                for link in own:
                    found = resolver.resolve(link.target, link.kind, old_path)
                    if link.kind != "markdown" or found.path is None:
                        continue
                    text = relinked(link, new_path, found.path, "")
                    if text is not None:
                        mine.setdefault(old_path, []).append(TextEdit(link.range, text))
        parts = [workspace_edit(ls, host, edits) for host, edits in per_host.items() if edits]
        if len(parts) <= 1:
            return parts[0] if parts else None
        if ls.versioned_edits:
            return lsp.WorkspaceEdit(
                document_changes=[c for part in parts for c in part.document_changes or []]
            )
        return lsp.WorkspaceEdit(
            changes={uri: e for part in parts for uri, e in (part.changes or {}).items()}
        )


async def _own_links(host: VaultHost, path: str) -> tuple[Link, ...]:
    doc = host.documents.get(path)
    if doc is None:
        text = await asyncio.to_thread(_read, host.root / path)
        doc = EditorDocument(path, text)
    await host.parse(doc)
    return doc.parsed.links


def _read(file: Path) -> str:
    try:
        return file.read_bytes().decode("utf-8", "replace")
    except OSError:
        return ""


def _target(notes: Mapping[str, object], old_path: str, new_path: str) -> str:
    """The shortest wikilink target for ``new_path`` among the vault's other notes."""
    stem = strip_md(new_path)
    name = basename(stem)
    others = [p for p in notes if p != old_path]
    if not any(fold(basename(strip_md(p))) == fold(name) for p in others):
        return name
    parts = stem.split("/")
    for size in range(2, len(parts) + 1):
        suffix = "/" + fold("/".join(parts[-size:]))
        if not any(("/" + fold(strip_md(p))).endswith(suffix) for p in others):
            return "/".join(parts[-size:])
    return stem
