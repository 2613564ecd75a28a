"""``textDocument/codeLens``: one handler for every kind of file, each kind from its feature.

Rule files get dry-run and replay lenses (:mod:`~vespera.lsp.features.rule_control`); notes get
the "Related" lens (:mod:`~vespera.lsp.features.related`). A failing feature costs its own
lenses only.
"""

from __future__ import annotations

import logging

from lsprotocol import types as lsp

from vespera.automation.rules import is_rule_path
from vespera.lsp.convert import uri_to_path
from vespera.lsp.features.related import related_lenses
from vespera.lsp.features.rule_control import rule_lenses
from vespera.lsp.server import VesperaServer
from vespera.vault.walk import is_note_path

log = logging.getLogger(__name__)


def register(server: VesperaServer) -> None:
    """Wire the code lens request."""

    @server.feature(lsp.TEXT_DOCUMENT_CODE_LENS)
    async def code_lens(ls: VesperaServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens] | None:
        """Lenses of rule files (dry-run, replay) and notes (related notes)."""
        found = ls.host_of(params.text_document.uri)
        if found is None:
            return None
        host, path = found
        try:
            if is_rule_path(path):
                doc = host.documents.get(path)
                if doc is not None:
                    text = doc.text
                else:
                    file = uri_to_path(params.text_document.uri)
                    if file is None or not file.is_file():
                        return None
                    text = file.read_text(encoding="utf-8", errors="replace")
                return rule_lenses(host, path, text)
            settings = ls.settings
            if is_note_path(path) and settings.semantic and settings.related_lens:
                return await related_lenses(ls, host, path)
        except Exception:
            log.exception("Code lenses of %s failed", path)
        return None
