"""The automation engine inside the language server: editor writes and results to the client.

A rule that changes a note open in the editor changes it through ``workspace/applyEdit`` with
the document's version, so the editor applies it to the text the writer sees, with undo, or
refuses it if the writer typed meanwhile (the run then plans again on the new text). Results go
to clients that opt in as ``vespera/automationResult``; other clients see the messages of
``notify`` actions as ``window/showMessage``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import msgspec
from lsprotocol import types as lsp

from vespera.automation.planning import NoteText
from vespera.index.reader import content_hash
from vespera.vault.positions import LineIndex
from vespera_protocol.messages import (
    AUTOMATION_CAPABILITY,
    AUTOMATION_RESULT,
    AutomationResultParams,
    RunTrace,
)

if TYPE_CHECKING:
    from vespera.lsp.vault_host import VaultHost

log = logging.getLogger(__name__)

_LEVELS = {
    "info": lsp.MessageType.Info,
    "warning": lsp.MessageType.Warning,
    "error": lsp.MessageType.Error,
}


def text_digest(text: str) -> str:
    """The hash of an editor's text, as the index computes it for the same bytes."""
    return content_hash(text.encode("utf-8", "surrogatepass"))


def minimal_edit(old: str, new: str) -> tuple[lsp.Range, str]:
    """One edit turning ``old`` into ``new``: only the span between their common ends.

    Replacing just what changed keeps the writer's cursor, selection and folds where they were.
    """
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    lines = LineIndex(old)
    span = lines.range(start, end_old)
    return (
        lsp.Range(
            start=lsp.Position(line=span.start_line, character=span.start_char),
            end=lsp.Position(line=span.end_line, character=span.end_char),
        ),
        new[start:end_new],
    )


class EditorNotes:
    """The engine's view of the notes open in one vault's editor."""

    def __init__(self, host: VaultHost) -> None:
        self.host = host

    def read_open(self, path: str) -> NoteText | None:
        """The editor's text of an open note, with its version."""
        doc = self.host.documents.get(path)
        if doc is None or doc.version is None:
            return None
        text = doc.text
        return NoteText(text, text_digest(text), doc.version)

    async def apply(self, path: str, original: NoteText, text: str) -> bool:
        """Ask the editor to make the change; ``False`` if it refused (the text moved on)."""
        doc = self.host.documents.get(path)
        if doc is None or doc.version != original.version or doc.text != original.text:
            return False
        server = self.host.server
        span, new_text = minimal_edit(original.text, text)
        uri = server.uri_of(self.host, path)
        edit = lsp.TextEdit(range=span, new_text=new_text)
        if server.versioned_edits:
            change = lsp.WorkspaceEdit(
                document_changes=[
                    lsp.TextDocumentEdit(
                        text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                            uri=uri, version=original.version
                        ),
                        edits=[edit],
                    )
                ]
            )
        else:
            change = lsp.WorkspaceEdit(changes={uri: [edit]})
        try:
            result = await server.workspace_apply_edit_async(
                lsp.ApplyWorkspaceEditParams(edit=change, label="Vespera automation")
            )
        except Exception as exc:  # the client answered with an error
            log.info("The editor did not apply an automation edit to %s: %s", path, exc)
            return False
        if not result.applied:
            log.info("The editor refused an automation edit to %s: %s", path, result.failure_reason)
        return bool(result.applied)


async def report(host: VaultHost, trace: RunTrace) -> None:
    """Tell the client what a run did."""
    server = host.server
    if server.opted_in(AUTOMATION_CAPABILITY):
        params = AutomationResultParams(
            vault=host.uri,
            run=trace.run,
            rule=trace.rule,
            rule_name=trace.rule_name,
            event=trace.event,
            outcome=trace.outcome,
            changes=trace.changes,
            messages=trace.messages,
            emitted=[e["type"] for e in trace.emitted],
            duration_ms=trace.duration_ms,
            error=trace.error,
            stop=trace.stop,
        )
        server.protocol.notify(AUTOMATION_RESULT, msgspec.to_builtins(params))
        return
    if not server.settings.automation_messages:
        return
    for message in trace.messages:
        server.window_show_message(
            lsp.ShowMessageParams(type=_LEVELS[message.level], message=message.message)
        )
    if trace.outcome == "stopped":
        # Once per distinct stop: a runaway cascade would otherwise repeat it many times.
        server.tell_user(f"Vespera stopped the rule '{trace.rule_name}': {trace.error}.", True)
    elif trace.outcome == "failed":
        log.warning("Rule %s failed: %s", trace.rule, trace.error)
