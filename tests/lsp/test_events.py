"""Vault events through the language server: queries, subscriptions, and when edits count."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

from vespera_protocol.messages import EVENTS_QUERY, EVENTS_SUBSCRIBE, EVENTS_UNSUBSCRIBE

from .conftest import capabilities
from .editor import Editor

STORM = "Scenes/The Storm.md"
IDLE_MS = 200


@pytest.fixture
async def quick(vault: Path, tmp_path: Path) -> Any:
    """A server that makes events of unsaved edits after 0.2 s of quiet."""
    client = await Editor.serve(tmp_path / "data")
    try:
        await client.initialize(
            capabilities("visual-studio-code"), vault, {"eventsIdleMs": IDLE_MS}
        )
        await client.wait_ready()
        yield client
    finally:
        await client.close()


def of_type(editor: Editor, kind: str) -> list[dict[str, Any]]:
    """The received events of one type."""
    return [n["event"] for n in editor.events if n["event"]["type"] == kind]


async def test_typing_a_tag_character_by_character_makes_one_tag_change(quick: Editor) -> None:
    text = (quick.root / STORM).read_text(encoding="utf-8")
    await quick.request(EVENTS_SUBSCRIBE, {"filter": {"types": ["tag_changed"]}})
    quick.open(STORM, text)
    end = len(text.splitlines())
    quick.insert(STORM, end, 0, "The sky turns. ")
    typed = "#mood:stormy"
    for n, char in enumerate(typed):
        quick.insert(STORM, end, len("The sky turns. ") + n, char)
        if char == "t":
            # A pause longer than the quiet time, in the middle of the tag: no event for it.
            await asyncio.sleep(3 * IDLE_MS / 1000)
    quick.insert(STORM, end, len("The sky turns. ") + len(typed), " ")

    await quick.wait_for(lambda: of_type(quick, "tag_changed"), "a tag change")
    changes = of_type(quick, "tag_changed")
    assert len(changes) == 1
    stormy = {"name": "mood:stormy", "key": "mood", "value": "stormy"}
    assert changes[0]["data"]["added"] == [stormy]
    assert changes[0]["actor"] == "user" and changes[0]["subject"] == STORM


async def test_saving_makes_the_events_at_once(editor: Editor) -> None:
    await editor.request(EVENTS_SUBSCRIBE, {})
    text = (editor.root / STORM).read_text(encoding="utf-8")
    editor.open(STORM, text)
    editor.replace_all(STORM, text.replace("status:draft", "status:final"))
    editor.save(STORM)  # the default quiet time is 2 s: only the save can be this quick

    await editor.wait_for(lambda: of_type(editor, "tag_changed"), "a tag change")
    assert of_type(editor, "tag_changed")[0]["data"]["changed"] == [
        {"key": "status", "old": "draft", "new": "final"}
    ]
    assert [n["event"]["sequence"] for n in editor.events] == list(range(1, len(editor.events) + 1))


async def test_queries_page_through_the_log(editor: Editor) -> None:
    await editor.request(EVENTS_SUBSCRIBE, {"filter": {"types": ["note.created"]}})
    for n in range(3):
        (editor.root / f"Scenes/New {n}.md").write_text(f"#mood:m{n}\n", encoding="utf-8")
    editor.client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            changes=[
                lsp.FileEvent(uri=editor.uri(f"Scenes/New {n}.md"), type=lsp.FileChangeType.Created)
                for n in range(3)
            ]
        )
    )
    # The server indexes the files shortly after the notification; a subscription says when.
    await editor.wait_for(lambda: len(of_type(editor, "note.created")) == 3, "three new notes")
    query = {"filter": {"types": ["note.created"]}, "limit": 2}
    first = await editor.request(EVENTS_QUERY, query)
    assert [e["subject"] for e in first["events"]] == ["Scenes/New 0.md", "Scenes/New 1.md"]
    rest = await editor.request(EVENTS_QUERY, {**query, "after": first["next"]})
    assert [e["subject"] for e in rest["events"]] == ["Scenes/New 2.md"]
    assert rest["next"] is None
    newest = await editor.request(EVENTS_QUERY, {"limit": 1, "newestFirst": True})
    assert newest["events"][0]["sequence"] == newest["head"]


async def test_a_subscription_replays_from_a_sequence_then_follows(editor: Editor) -> None:
    (editor.root / "Scenes/Early.md").write_text("#early\n", encoding="utf-8")
    await editor.client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command="vespera.reindex")
    )
    answer = await editor.request(EVENTS_SUBSCRIBE, {"after": 0})
    assert answer["start"] == 0 and answer["head"] >= 2
    await editor.wait_for(lambda: len(editor.events) >= answer["head"], "the replay")
    assert editor.events[0]["subscription"] == answer["subscription"]
    assert editor.events[0]["event"]["sequence"] == 1

    ended = {"subscription": answer["subscription"]}
    assert await editor.request(EVENTS_UNSUBSCRIBE, ended) is None
    with pytest.raises(JsonRpcInvalidParams):
        await editor.request(EVENTS_UNSUBSCRIBE, ended)


async def test_bad_queries_get_clear_errors(editor: Editor) -> None:
    with pytest.raises(JsonRpcInvalidParams, match="limit"):
        await editor.request(EVENTS_QUERY, {"limit": "many"})
    with pytest.raises(JsonRpcInvalidParams, match="not a time"):
        await editor.request(EVENTS_QUERY, {"filter": {"since": "yesterday"}})
    with pytest.raises(JsonRpcInvalidParams, match="not a vault"):
        await editor.request(EVENTS_QUERY, {"vault": "file:///nowhere"})
