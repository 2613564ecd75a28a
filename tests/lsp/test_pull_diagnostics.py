"""The pull model, for clients that ask for diagnostics themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from .conftest import capabilities
from .editor import Editor

FOG = "Scenes/Fog at Low Tide.md"


def pulling() -> lsp.ClientCapabilities:
    """A current editor's capabilities: it pulls document and workspace diagnostics."""
    caps = capabilities("visual-studio-code")
    assert caps.text_document is not None and caps.workspace is not None
    caps.text_document.diagnostic = lsp.DiagnosticClientCapabilities(related_document_support=True)
    caps.workspace.diagnostics = lsp.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return caps


@pytest.fixture
async def puller(vault: Path, tmp_path: Path) -> AsyncIterator[Editor]:
    client = await Editor.serve(tmp_path / "data")
    try:
        await client.initialize(pulling(), vault)
        await client.wait_ready()
        yield client
    finally:
        await client.close()


async def test_the_workspace_report_covers_closed_notes_and_then_says_unchanged(
    puller: Editor,
) -> None:
    first = await puller.client.workspace_diagnostic_async(
        lsp.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    reports = {r.uri: r for r in first.items}
    assert len(reports) == 23
    fog = reports[puller.uri(FOG)]
    assert isinstance(fog, lsp.WorkspaceFullDocumentDiagnosticReport)
    assert [d.code for d in fog.items] == ["broken-link"]
    storm = reports[puller.uri("Scenes/The Storm.md")]
    assert isinstance(storm, lsp.WorkspaceFullDocumentDiagnosticReport) and len(storm.items) == 0

    again = await puller.client.workspace_diagnostic_async(
        lsp.WorkspaceDiagnosticParams(
            previous_result_ids=[
                lsp.PreviousResultId(uri=r.uri, value=r.result_id or "") for r in first.items
            ]
        )
    )
    assert all(isinstance(r, lsp.WorkspaceUnchangedDocumentDiagnosticReport) for r in again.items)


async def test_open_notes_are_pulled_and_never_pushed(puller: Editor) -> None:
    uri = puller.open("Scenes/New.md", "Meet [[Nobody]].\n")
    report = await puller.client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
    )
    assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
    assert [d.code for d in report.items] == ["broken-link"]
    unchanged = await puller.client.text_document_diagnostic_async(
        lsp.DocumentDiagnosticParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), previous_result_id=report.result_id
        )
    )
    assert isinstance(unchanged, lsp.RelatedUnchangedDocumentDiagnosticReport)
    assert uri not in puller.client.diagnostics  # nothing was pushed


async def test_a_changed_file_is_reported_again_and_the_rest_stays_unchanged(
    puller: Editor,
) -> None:
    first = await puller.client.workspace_diagnostic_async(
        lsp.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    storm = puller.root / "Scenes" / "The Storm.md"
    storm.write_text(storm.read_text() + "\nAnd [[Nobody Yet]].\n")
    before = len(puller.statuses)
    puller.client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            [lsp.FileEvent(puller.uri("Scenes/The Storm.md"), lsp.FileChangeType.Changed)]
        )
    )
    await puller.wait_for(lambda: len(puller.statuses) > before, "the change indexed")
    again = await puller.client.workspace_diagnostic_async(
        lsp.WorkspaceDiagnosticParams(
            previous_result_ids=[
                lsp.PreviousResultId(uri=r.uri, value=r.result_id or "") for r in first.items
            ]
        )
    )
    full = [r for r in again.items if isinstance(r, lsp.WorkspaceFullDocumentDiagnosticReport)]
    assert [r.uri for r in full] == [puller.uri("Scenes/The Storm.md")]
    assert [d.code for d in full[0].items] == ["broken-link"]
