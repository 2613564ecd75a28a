"""``textDocument/diagnostic`` and ``workspace/diagnostic``: the pull model.

Offered only to clients that can pull both (they then get no pushed diagnostics, which would
show every finding twice). A document report covers an open note as the editor holds it; the
workspace report covers every other note of every vault, read from disk. Result ids carry the
note's version (or, for closed notes, the file's time and size) and the vault's generation,
which moves only when what findings depend on changes; a client asking again gets "unchanged"
for the rest, and those notes are not even read.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from lsprotocol import types as lsp

from vespera.lsp.convert import to_diagnostic
from vespera.lsp.server import VesperaServer

IDENTIFIER = "vespera"
_CHUNK = 200  # notes read and parsed per thread hand-off


def supported(capabilities: lsp.ClientCapabilities) -> bool:
    """Whether the client pulls document and workspace diagnostics."""
    text = capabilities.text_document
    workspace = capabilities.workspace
    return bool(text and text.diagnostic and workspace and workspace.diagnostics)


def register(server: VesperaServer) -> None:
    """Wire the pull model (called from ``initialize`` when the client supports it)."""
    options = lsp.DiagnosticOptions(
        identifier=IDENTIFIER, inter_file_dependencies=True, workspace_diagnostics=True
    )

    @server.feature(lsp.TEXT_DOCUMENT_DIAGNOSTIC, options)
    async def document_diagnostic(
        ls: VesperaServer, params: lsp.DocumentDiagnosticParams
    ) -> lsp.DocumentDiagnosticReport:
        """Findings of an open note."""
        host, doc = ls.document(params.text_document.uri)
        result_id = f"{host.generation}:{doc.version}:{_digest(doc.text)}"
        if params.previous_result_id == result_id:
            return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        findings = await host.findings(doc)
        return lsp.RelatedFullDocumentDiagnosticReport(
            items=[to_diagnostic(f) for f in findings], result_id=result_id
        )

    @server.feature(lsp.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(
        ls: VesperaServer, params: lsp.WorkspaceDiagnosticParams
    ) -> lsp.WorkspaceDiagnosticReport:
        """Findings of every note not open in the editor."""
        previous = {p.uri: p.value for p in params.previous_result_ids}
        items: list[lsp.WorkspaceDocumentDiagnosticReport] = []
        for host in ls.vaults:
            await host.ready.wait()
            paths = sorted(p for p in host.catalog.notes if p not in host.documents)
            for start in range(0, len(paths), _CHUNK):
                chunk = paths[start : start + _CHUNK]
                # A closed note's findings change with its file or with the vault (the
                # generation): both are known from a stat, so unchanged notes are not read.
                stats = await asyncio.to_thread(_stats, host.root, chunk)
                ids = {p: f"{host.generation}:{stat}" for p, stat in stats.items()}
                stale = [p for p in chunk if previous.get(ls.uri_of(host, p)) != ids.get(p)]
                found = await host.closed_note_findings(stale) if stale else {}
                for path in chunk:
                    uri = ls.uri_of(host, path)
                    result_id = ids.get(path, f"{host.generation}:gone")
                    if path not in found and previous.get(uri) == result_id:
                        items.append(
                            lsp.WorkspaceUnchangedDocumentDiagnosticReport(
                                uri=uri, version=None, result_id=result_id
                            )
                        )
                    else:
                        items.append(
                            lsp.WorkspaceFullDocumentDiagnosticReport(
                                uri=uri,
                                version=None,
                                items=[to_diagnostic(f) for f in found.get(path, [])],
                                result_id=result_id,
                            )
                        )
        return lsp.WorkspaceDiagnosticReport(items=items)


def _stats(root: Path, paths: list[str]) -> dict[str, str]:
    """Modification time and size of each readable file, as text."""
    out = {}
    for path in paths:
        try:
            st = (root / path).stat()
        except OSError:
            continue
        out[path] = f"{st.st_mtime_ns}:{st.st_size}"
    return out


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
