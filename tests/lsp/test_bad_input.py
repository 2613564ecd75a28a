"""Bad input over the protocol gets a proper error, and the server keeps serving."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp

from .editor import SERVE, Editor, server_env
from .raw_stdio import RawConnection


def _server(tmp_path: Path) -> RawConnection:
    return RawConnection(SERVE, server_env(tmp_path / "data"))


def _is_answer(number: int) -> object:
    return lambda m: m.get("id") == number and "method" not in m


def test_malformed_json_and_params_get_errors_and_the_server_goes_on(
    vault: Path, tmp_path: Path
) -> None:
    server = _server(tmp_path)
    try:
        server.send_bytes(b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {')
        parse_error = server.response(lambda m: "error" in m and "id" not in m)
        assert parse_error["error"]["code"] == -32700

        server.send(
            {
                "id": 2,
                "method": "initialize",
                "params": {"capabilities": {}, "rootUri": vault.as_uri(), "processId": None},
            }
        )
        assert "capabilities" in server.response(_is_answer(2))["result"]
        server.send({"method": "initialized", "params": {}})

        # A position that is not a position: an error for this request id, nothing else.
        server.send(
            {
                "id": 3,
                "method": "textDocument/completion",
                "params": {"textDocument": {"uri": vault.as_uri()}, "position": "here"},
            }
        )
        assert server.response(_is_answer(3))["error"]["code"] == -32602

        server.send({"id": 4, "method": "vespera/noSuchMethod", "params": {}})
        assert server.response(_is_answer(4))["error"]["code"] == -32601

        server.send({"id": 5, "method": "shutdown"})
        assert server.response(_is_answer(5)).get("error") is None
        server.send({"method": "exit"})
    finally:
        status = server.close()
    assert status == 0


async def test_a_document_outside_the_vault_gets_an_error(editor: Editor, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text("#mood:tense\n")
    uri = outside.as_uri()
    editor.client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="markdown", version=1, text="#mo")
        )
    )
    try:
        await editor.client.text_document_completion_async(
            lsp.CompletionParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(0, 3)
            )
        )
    except Exception as exc:  # the client raises the server's error response
        assert "not inside a vault" in str(exc)
    else:
        raise AssertionError("a completion outside the vault was answered")
    # And the server still serves the vault.
    editor.open("Scenes/New.md", "#mo")
    assert await editor.complete("Scenes/New.md", 0, 3) is not None


async def test_a_ten_megabyte_document_is_refused_by_name_and_the_server_keeps_serving(
    editor: Editor,
) -> None:
    huge = "A line of prose with a #tag in it.\n" * 300_000  # about 10 MB
    editor.open("Scenes/Huge.md", huge)
    found = await editor.diagnostics("Scenes/Huge.md", lambda d: len(d) > 0)
    assert [d.code for d in found] == ["file-too-large"]
    editor.open("Scenes/New.md", "#mo")
    result = await editor.complete("Scenes/New.md", 0, 3)
    assert result is not None and result.items
