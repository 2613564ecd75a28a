"""Start-up, progress, status, logs, several editors on one vault, and a clean shutdown."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from lsprotocol import types as lsp

from vespera_protocol.messages import REINDEX_COMMAND

from .conftest import capabilities
from .editor import Editor, server_env

NOTES_IN_EXAMPLE = 23  # every note of the example vault but its ignored template


async def _run_cli(*args: str, env: dict[str, str]) -> tuple[int, str]:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vespera",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(child.communicate(), 60)
    return child.returncode or 0, output.decode()


async def test_status_goes_from_starting_through_indexing_to_ready(editor: Editor) -> None:
    states = [s.state for s in editor.statuses]
    assert states[0] == "starting"
    assert "indexing" in states
    ready = next(s for s in editor.statuses if s.state == "ready")
    assert ready.vault == editor.root.as_uri()
    assert ready.notes == NOTES_IN_EXAMPLE
    assert ready.problems >= 0


async def test_indexing_reports_work_done_progress(editor: Editor, editor_name: str) -> None:
    caps = capabilities(editor_name)
    reports = [r for rs in editor.client.progress_reports.values() for r in rs]
    if not (caps.window and caps.window.work_done_progress):
        assert reports == []  # an editor that does not show progress is sent none
        return
    assert isinstance(reports[0], lsp.WorkDoneProgressBegin)
    assert isinstance(reports[-1], lsp.WorkDoneProgressEnd)
    assert any(isinstance(r, lsp.WorkDoneProgressReport) for r in reports)


async def test_logs_reach_the_editor_as_log_messages(editor: Editor) -> None:
    assert any("Indexed" in m.message for m in editor.client.log_messages)


async def test_a_client_that_does_not_opt_in_gets_no_status(vault: Path, tmp_path: Path) -> None:
    client = await Editor.serve(tmp_path / "data")
    try:
        await client.initialize(capabilities("neovim", status=False), vault)
        client.open("Scenes/New.md", "[[Nowhere]]")
        # Diagnostics only come once the index is read, so the vault is up by then.
        await client.diagnostics("Scenes/New.md", lambda d: len(d) == 1)
        assert client.statuses == []
    finally:
        await client.close()


async def test_a_second_editor_on_the_same_vault_is_told_why_and_still_serves_open_notes(
    editor: Editor, vault: Path, tmp_path: Path
) -> None:
    second = await Editor.serve(tmp_path / "data")
    try:
        await second.initialize(capabilities("visual-studio-code"), vault)
        status = await second.wait_for(
            lambda: next((s for s in second.statuses if s.state == "unavailable"), None),
            "an unavailable status",
        )
        assert "in use by process" in status.message
        assert any("cannot open the index" in m.message for m in second.client.messages)
        second.open("Scenes/New.md", "---\ntags: [a\n---\n")
        found = await second.diagnostics("Scenes/New.md", lambda d: len(d) == 1)
        assert found[0].severity == lsp.DiagnosticSeverity.Error
    finally:
        await second.close()


async def test_after_shutdown_the_stores_agree_with_the_files(vault: Path, tmp_path: Path) -> None:
    client = await Editor.serve(tmp_path / "data")
    await client.initialize(capabilities("visual-studio-code"), vault)
    await client.wait_ready()
    client.open("Scenes/New.md", "An unsaved note with #mood:tense\n")
    await client.diagnostics("Scenes/New.md")
    await client.close()
    # The unsaved note was indexed from the editor; on close it is gone from the files, and
    # the shutdown must have left both stores consistent for the next process.
    for command in ("index", "doctor"):
        code, output = await _run_cli(command, str(vault), env=server_env(tmp_path / "data"))
        assert code == 0, output


async def test_the_reindex_command_reads_the_vault_again_with_status(editor: Editor) -> None:
    before = len(editor.statuses)
    await editor.client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=REINDEX_COMMAND)
    )
    later = [s.state for s in editor.statuses[before:]]
    assert "indexing" in later and later[-1] == "ready"
    # And the vault still answers from a complete index.
    editor.open("Scenes/New.md", "[[Ali")
    result = await editor.complete("Scenes/New.md", 0, 5)
    assert result is not None and any(i.label.startswith("Alice") for i in result.items)


async def test_a_workspace_folder_added_later_is_served(editor: Editor, tmp_path: Path) -> None:
    second = tmp_path / "second-vault"
    (second / "Notes").mkdir(parents=True)
    (second / "Notes" / "Only Here.md").write_text("# Only Here\n#unique-tag\n")
    editor.client.workspace_did_change_workspace_folders(
        lsp.DidChangeWorkspaceFoldersParams(
            event=lsp.WorkspaceFoldersChangeEvent(
                added=[lsp.WorkspaceFolder(uri=second.as_uri(), name="second")], removed=[]
            )
        )
    )
    await editor.wait_for(
        lambda: any(s.vault == second.as_uri() and s.state == "ready" for s in editor.statuses),
        "the second vault ready",
    )
    uri = (second / "Notes" / "New.md").as_uri()
    editor.client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="markdown", version=1, text="#uni")
        )
    )
    result = await editor.client.text_document_completion_async(
        lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(0, 4)
        )
    )
    assert isinstance(result, lsp.CompletionList)
    assert [i.label for i in result.items] == ["unique-tag"]


async def test_unsaved_text_never_outlives_a_server_that_stopped_with_the_note_open(
    vault: Path, tmp_path: Path
) -> None:
    fog = "Scenes/Fog at Low Tide.md"
    first = await Editor.serve(tmp_path / "data")
    await first.initialize(capabilities("visual-studio-code"), vault)
    await first.wait_ready()
    original = (vault / fog).read_text()
    first.open(fog)
    before = len(first.statuses)
    first.replace_all(fog, original.replace("#foreshadowing", "#unsavedzzzzzz"))
    # A status follows each change of the index: the editor's text is in it now.
    await first.wait_for(lambda: len(first.statuses) > before, "the edit indexed")
    first.open("Scenes/New.md", "#unsavedz")
    offered = await first.complete("Scenes/New.md", 0, len("#unsavedz"))
    assert offered is not None and [i.label for i in offered.items] == ["unsavedzzzzzz"]
    await first.close()  # no didClose, no save: the editor went away
    second = await Editor.serve(tmp_path / "data")
    try:
        await second.initialize(capabilities("visual-studio-code"), vault)
        await second.wait_ready()
        second.open("Scenes/New.md", "#unsavedz")
        result = await second.complete("Scenes/New.md", 0, len("#unsavedz"))
        assert result is not None and [i.label for i in result.items] == []
    finally:
        await second.close()


async def test_a_shutdown_while_the_vault_opens_leaves_it_free_for_the_next_server(
    vault: Path, tmp_path: Path
) -> None:
    first = await Editor.serve(tmp_path / "data")
    await first.initialize(capabilities("visual-studio-code"), vault)
    await first.wait_for(lambda: first.statuses, "the first status")
    await first.close()
    second = await Editor.serve(tmp_path / "data")
    try:
        await second.initialize(capabilities("visual-studio-code"), vault)
        await second.wait_ready()
        assert not any(s.state == "unavailable" for s in second.statuses)
    finally:
        await second.close()
