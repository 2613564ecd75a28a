"""``textDocument/definition`` and ``textDocument/references``.

Definition follows a link to its note (at the heading or block it names). References list, for
a tag, every place it is written; for a link, the notes linking to its target; elsewhere in a
note, the notes linking to that note (its backlinks).
"""

from __future__ import annotations

from lsprotocol import types as lsp

from vespera.editor.findings import heading_key
from vespera.editor.navigation import element_at
from vespera.lsp.convert import to_range
from vespera.lsp.server import VesperaServer
from vespera.lsp.vault_host import VaultHost
from vespera.vault.model import Link, Range, Tag
from vespera.vault.resolve import fold

_TOP = lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))


def register(server: VesperaServer) -> None:
    """Wire definition and references."""

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: VesperaServer, params: lsp.DefinitionParams) -> lsp.Location | None:
        """Where the link under the cursor goes."""
        host, doc = ls.document(params.text_document.uri)
        await host.parse(doc)
        element = element_at(doc.parsed, params.position.line, params.position.character)
        if not isinstance(element, Link):
            return None
        path = host.resolve(element.target, element.kind, doc.path).path
        if path is None:
            return None
        return lsp.Location(ls.uri_of(host, path), await _anchor(host, path, element))

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    async def references(
        ls: VesperaServer, params: lsp.ReferenceParams
    ) -> list[lsp.Location] | None:
        """Every use of the tag under the cursor, or every link to the note in question."""
        host, doc = ls.document(params.text_document.uri)
        await host.parse(doc)
        if host.reader is None or host.session is None:
            return None
        await host.flush_all()
        element = element_at(doc.parsed, params.position.line, params.position.character)
        if isinstance(element, Tag):
            spots = await tag_spots(host, element.norm, children=False)
            return [lsp.Location(ls.uri_of(host, p), to_range(r)) for p, _, r in spots]
        target = doc.path
        if isinstance(element, Link):
            resolved = host.resolve(element.target, element.kind, doc.path).path
            if resolved is None:
                return []
            target = resolved
        return [
            lsp.Location(ls.uri_of(host, source), to_range(span))
            for source, _, span in await host.reader.backlinks(target)
        ]


async def tag_spots(host: VaultHost, norm: str, children: bool) -> list[tuple[str, str, Range]]:
    """(path, tag as written, range) of a tag everywhere: open notes as the editor has them."""
    assert host.reader is not None
    out = [
        (o.path, o.name, o.range)
        for o in await host.reader.tag_occurrences(norm, children)
        if o.path not in host.documents
    ]
    for path, doc in host.documents.items():
        await host.parse(doc)
        for tag in doc.parsed.tags:
            if tag.norm == norm or (children and tag.norm.startswith(norm + "/")):
                out.append((path, tag.name, tag.range))
    out.sort(key=lambda spot: (spot[0], spot[2]))
    return out


async def _anchor(host: VaultHost, path: str, link: Link) -> lsp.Range:
    """The heading or block a link names, else the top of the note."""
    if not link.heading and not link.block:
        return _TOP
    headings, blocks = await host.outline_of(path)
    if link.block:
        wanted = fold(link.block)
        spans = [b.range for b in blocks if fold(b.id) == wanted]
    else:
        wanted = heading_key(link.heading or "")
        spans = [h.range for h in headings if heading_key(h.text) == wanted]
    return to_range(spans[0]) if spans else _TOP
