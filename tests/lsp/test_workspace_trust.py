"""The editor's workspace trust, through the real sidecar (the server setting ``trusted``).

An untrusted workspace runs no rule and no pre-hook, and explains why; its notes never reach a
remote embedding endpoint. Trusting it (``workspace/didChangeConfiguration``) applies at once,
without a restart, and never runs the changes made while it was not trusted.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

from loopback import serving
from vespera.semantic.settings import CONFIG_DIR_ENV, SETTINGS_FILE
from vespera_protocol.messages import (
    AUTOMATION_STATUS,
    EVENTS_SUBSCRIBE,
    RUNS_EXPLAIN,
    RUNS_LIST,
    SEMANTIC_STATUS,
)

from .conftest import capabilities
from .editor import PATIENCE, SERVE, Editor, _offset, server_env
from .test_automation import ROAD, frontmatter, result_of
from .test_related import CELLAR, lenses
from .test_related import VAULT as SEMANTIC_VAULT
from .test_rule_control import TIDY

UNTRUSTED = "the workspace is not trusted, so automation does not write (trust it to let rules run)"


async def _start(vault: Path, env: dict[str, str], options: dict[str, Any]) -> Editor:
    client = await Editor.start(SERVE, env)
    await client.initialize(capabilities("visual-studio-code", results=True), vault, options)
    await client.wait_ready()
    return client


def trust(editor: Editor, trusted: bool = True) -> None:
    """The editor's trust changes: it tells the server, which asks for the settings."""
    change(editor, {"trusted": trusted})


def change(editor: Editor, settings: dict[str, Any]) -> None:
    """The editor's settings change: it tells the server, which asks for them."""
    editor.settings = settings
    editor.client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(None))


async def automation_status(editor: Editor, enabled: bool) -> dict[str, Any]:
    """The automation's status once it says ``enabled`` (the server takes new settings after
    asking the editor for them, and sends nothing when it has)."""
    async with asyncio.timeout(PATIENCE):
        while (status := await editor.request(AUTOMATION_STATUS, {}))["enabled"] is not enabled:
            pass
    return status  # type: ignore[no-any-return]


async def held_mood_change(editor: Editor) -> tuple[str, dict[str, Any]]:
    """Open the road scene and make it tense, saved: its text and the event it made."""
    await editor.request(EVENTS_SUBSCRIBE, {"filter": {"types": ["tag_changed"]}})
    text = (editor.root / ROAD).read_text(encoding="utf-8")
    editor.open(ROAD, text)
    tense = text.replace("mood:peaceful", "mood:tense")
    editor.replace_all(ROAD, tense)
    editor.save(ROAD)
    (event,) = await editor.wait_for(
        lambda: [n["event"] for n in editor.events], "the mood change's event"
    )
    return tense, event


async def will_save(editor: Editor, path: str) -> list[lsp.TextEdit]:
    """The edits the server puts into a save of ``path``."""
    edits = await editor.client.text_document_will_save_wait_until_async(
        lsp.WillSaveTextDocumentParams(
            text_document=lsp.TextDocumentIdentifier(editor.uri(path)),
            reason=lsp.TextDocumentSaveReason.Manual,
        )
    )
    return list(edits or [])


async def test_an_untrusted_workspace_runs_no_rule_and_trusting_it_runs_only_later_changes(
    vault: Path, tmp_path: Path
) -> None:
    env = server_env(tmp_path / "data")
    writer = await _start(vault, env, {"eventsIdleMs": 200, "trusted": False})
    try:
        status = await writer.request(AUTOMATION_STATUS, {})
        assert status["enabled"] is False
        assert status["held"] == "the workspace is not trusted"
        tense, untrusted = await held_mood_change(writer)

        trust(writer)
        status = await automation_status(writer, enabled=True)
        assert status["held"] is None
        writer.replace_all(ROAD, tense.replace("mood:tense", "mood:joyful"))
        writer.save(ROAD)

        result = await result_of(writer, "mood-music")
        assert result["outcome"] == "succeeded", result
        assert result["event"]["id"] != untrusted["id"]
        assert frontmatter(writer.text(ROAD))["music"] == "[[Lantern Festival]]"
        # The change made while untrusted was matched and explained, and never run: the rule
        # ran once, on the later change, and wrote once.
        explained = await writer.request(
            RUNS_EXPLAIN, {"event": untrusted["id"], "rule": "mood-music"}
        )
        assert [(e["stage"], e["reason"]) for e in explained["entries"]] == [
            ("untrusted", UNTRUSTED)
        ]
        runs = await writer.request(RUNS_LIST, {"rule": "mood-music"})
        assert [r["run"] for r in runs["runs"]] == [result["run"]]
        assert [r["rule"] for r in writer.results] == ["mood-music"]
        assert writer.applied_edits == 1
    finally:
        await writer.close()


async def test_automation_switched_off_while_serving_holds_rules_until_switched_on(
    vault: Path, tmp_path: Path
) -> None:
    writer = await _start(vault, server_env(tmp_path / "data"), {"eventsIdleMs": 200})
    try:
        change(writer, {"automation": False})
        status = await automation_status(writer, enabled=False)
        assert status["held"] == "automation is switched off in the settings"
        tense, off = await held_mood_change(writer)

        change(writer, {"automation": True})
        await automation_status(writer, enabled=True)
        writer.replace_all(ROAD, tense.replace("mood:tense", "mood:joyful"))
        writer.save(ROAD)
        result = await result_of(writer, "mood-music")
        assert result["event"]["id"] != off["id"]
        explained = await writer.request(RUNS_EXPLAIN, {"event": off["id"], "rule": "mood-music"})
        assert [(e["stage"], e["reason"]) for e in explained["entries"]] == [
            ("switched-off", "automation is switched off in the settings")
        ]
        assert [r["rule"] for r in writer.results] == ["mood-music"]
    finally:
        await writer.close()


async def test_no_pre_hook_edits_a_save_until_the_workspace_is_trusted(
    vault: Path, tmp_path: Path
) -> None:
    hook = vault / ".vespera" / "hooks" / "tidy.md"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text(TIDY, encoding="utf-8")
    writer = await _start(vault, server_env(tmp_path / "data"), {"trusted": False})
    try:
        text = (writer.root / ROAD).read_text(encoding="utf-8")
        writer.open(ROAD, text)

        assert await will_save(writer, ROAD) == []

        trust(writer)
        await automation_status(writer, enabled=True)
        (edit,) = await will_save(writer, ROAD)
        start, end = _offset(text, edit.range.start), _offset(text, edit.range.end)
        assert text[:start] + edit.new_text + text[end:] == text.replace(
            "mood:peaceful", "mood:calm"
        )
    finally:
        await writer.close()


class _Endpoint(ThreadingHTTPServer):
    """An OpenAI-compatible embeddings endpoint on loopback, counting what reaches it."""

    texts = 0


class _Handler(BaseHTTPRequestHandler):
    server: _Endpoint

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.texts += len(body["input"])
        data = [
            {"index": i, "embedding": [float(b) for b in hashlib.sha256(t.encode()).digest()[:8]]}
            for i, t in enumerate(body["input"])
        ]
        payload = json.dumps({"data": data, "model": body["model"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[_Endpoint]:
    with serving(_Endpoint(("127.0.0.1", 0), _Handler)) as server:
        yield server


async def test_notes_reach_a_remote_embedding_endpoint_only_while_the_workspace_is_trusted(
    endpoint: _Endpoint, tmp_path: Path
) -> None:
    vault = Path(shutil.copytree(SEMANTIC_VAULT, tmp_path / "vault"))
    url = f"http://127.0.0.1:{endpoint.server_address[1]}/v1"
    machine = tmp_path / "machine"
    machine.mkdir()
    (machine / SETTINGS_FILE).write_text(f"provider: openai\nurl: {url}\nmodel: fake\n", "utf-8")
    env = {**server_env(tmp_path / "data"), CONFIG_DIR_ENV: str(machine)}
    writer = await _start(vault, env, {"semantic": True, "trusted": False})
    try:
        await writer.wait_for(
            lambda: any(s.semantic == "unavailable" for s in writer.statuses), "unavailable"
        )
        status = await writer.request(SEMANTIC_STATUS, {})
        assert status["state"] == "unavailable"
        assert (
            f"Notes are not sent to the embedding endpoint ({url}) because the workspace is "
            "not trusted." in status["message"]
        )
        titles = [lens.command.title for lens in await lenses(writer, CELLAR) if lens.command]
        assert titles == ["Related notes: unavailable (the workspace is not trusted)"]
        assert endpoint.texts == 0

        trust(writer)
        await writer.wait_for(
            lambda: any(s.semantic == "ready" for s in writer.statuses), "the embeddings"
        )
        status = await writer.request(SEMANTIC_STATUS, {})
        assert status["model"] == f"openai:{url}:fake" and status["pending"] == 0
        assert endpoint.texts > 0

        # Trust withdrawn: the layer that sends notes away is closed, and stays closed.
        trust(writer, False)
        await writer.wait_for(
            lambda: writer.statuses[-1].semantic == "unavailable", "unavailable again"
        )
        status = await writer.request(SEMANTIC_STATUS, {})
        assert "because the workspace is not trusted" in status["message"]
    finally:
        await writer.close()
