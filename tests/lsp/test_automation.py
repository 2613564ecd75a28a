"""The design scenarios of automation, through the real sidecar: edit, rule, result.

Each test edits the example vault as a writer would (in the editor, or on disk behind its
back), waits for the ``vespera/automationResult`` notification, and checks what changed: the
editor's text, the files, the event log and the run's trace.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from vespera_protocol.messages import (
    EVENTS_QUERY,
    EVENTS_SUBSCRIBE,
    RUNS_GET,
    RUNS_LIST,
    RUNS_UNDO,
)

from .conftest import capabilities
from .editor import Editor

ROAD = "Scenes/The Road to Ashwood.md"
STORM = "Scenes/The Storm.md"
TASK = "Tasks/Develop Alice arc.md"
ALICE = "Characters/Alice.md"


async def _start(vault: Path, data: Path, results: bool = True) -> Editor:
    client = await Editor.serve(data)
    await client.initialize(
        capabilities("visual-studio-code", results=results), vault, {"eventsIdleMs": 200}
    )
    await client.wait_ready()
    return client


@pytest.fixture
async def writer(vault: Path, tmp_path: Path) -> AsyncIterator[Editor]:
    """An editor that takes automation results."""
    client = await _start(vault, tmp_path / "data")
    try:
        yield client
    finally:
        await client.close()


async def result_of(editor: Editor, rule: str, count: int = 1) -> dict[str, Any]:
    """Wait for the ``count``-th result of ``rule``."""
    found = await editor.wait_for(
        lambda: [r for r in editor.results if r["rule"] == rule][count - 1 : count],
        f"a result of {rule}",
    )
    return found[0]  # type: ignore[no-any-return]


def frontmatter(text: str) -> dict[str, Any]:
    """The frontmatter of a note's text."""
    data = yaml.safe_load(text.split("---\n")[1])
    assert isinstance(data, dict)
    return data


async def events_of(editor: Editor, kind: str) -> list[dict[str, Any]]:
    """The events of one type in the vault's log."""
    page = await editor.request(EVENTS_QUERY, {"filter": {"types": [kind]}, "limit": 1000})
    return list(page["events"])


async def test_a_mood_change_switches_the_scenes_music_in_the_open_editor(
    writer: Editor,
) -> None:
    text = (writer.root / ROAD).read_text(encoding="utf-8")
    writer.open(ROAD, text)
    writer.replace_all(ROAD, text.replace("mood:peaceful", "mood:tense"))
    writer.save(ROAD)

    result = await result_of(writer, "mood-music")
    assert result["outcome"] == "succeeded", result
    assert result["event"]["type"] == "tag_changed" and result["event"]["subject"] == ROAD
    assert result["changes"] == [
        {"path": ROAD, "kind": "modified", "summary": "music: Battle Drums"}
    ]
    assert result["messages"] == [
        {"message": "The Road to Ashwood: music is now Battle Drums (tense)", "level": "info"}
    ]
    assert result["emitted"] == ["custom.vault.music_changed"]
    # The editor's text changed (through workspace/applyEdit), the rest of it untouched.
    edited = writer.text(ROAD)
    assert frontmatter(edited)["music"] == "[[Battle Drums]]"
    assert edited == text.replace("mood:peaceful", "mood:tense").replace(
        '"[[Forest Sounds]]"', '"[[Battle Drums]]"'
    )
    assert writer.applied_edits == 1

    changed = await events_of(writer, "custom.vault.music_changed")
    assert [e["data"]["values"] for e in changed] == [
        {
            "scene": ROAD,
            "mood": "tense",
            "old_music": "Music/Forest Sounds.md",
            "new_music": "Music/Battle Drums.md",
        }
    ]
    assert changed[0]["actor"] == "automation:mood-music"
    assert changed[0]["correlationid"] == result["event"]["correlationid"]

    runs = await writer.request(RUNS_LIST, {"rule": "mood-music"})
    assert [r["run"] for r in runs["runs"]] == [result["run"]]
    trace = await writer.request(RUNS_GET, {"run": result["run"]})
    assert trace["conditions"] == [{"condition": "has_link music", "value": True}]
    first = trace["actions"][0]
    assert first["action"] == "update_linked_codex"
    assert first["inputs"]["tags"] == ["mood:tense"]
    assert first["result"]["previous"] == "Music/Forest Sounds.md"
    assert trace["writes"][0]["before"] == text.replace("mood:peaceful", "mood:tense")


async def test_a_final_scene_runs_the_scene_completion_workflow(writer: Editor) -> None:
    await writer.request(EVENTS_SUBSCRIBE, {"filter": {"types": ["note.created"]}})
    text = (writer.root / STORM).read_text(encoding="utf-8")
    writer.open(STORM, text)
    writer.replace_all(STORM, text.replace("status:draft", "status:final"))
    writer.save(STORM)

    result = await result_of(writer, "scene-final")
    assert result["outcome"] == "succeeded", result
    # A review task per character...
    created = sorted(c["path"] for c in result["changes"] if c["kind"] == "created")
    assert created == [
        "Tasks/Review Alice in The Storm.md",
        "Tasks/Review Bram in The Storm.md",
        "Tasks/Review Verrin in The Storm.md",
    ]
    task = frontmatter((writer.root / created[0]).read_text(encoding="utf-8"))
    assert task["type"] == "task" and task["status"] == "open"
    assert task["title"] == "Review Alice in The Storm"
    assert task["tags"] == ["review", "scene-final"]
    assert task["about"] == "[[Alice]]" and task["scene"] == "[[The Storm]]"
    # ... each character's progression, and the story's timeline, by the chain's other steps.
    for name in ("Alice", "Bram", "Verrin"):
        note = frontmatter((writer.root / f"Characters/{name}.md").read_text(encoding="utf-8"))
        assert note["scenes_completed"] == ["[[The Storm]]"], name
    outline = (writer.root / "Story Outline.md").read_text(encoding="utf-8")
    assert re.search(
        r"## Timeline\n\n- \d{4}-\d\d-\d\d: \[\[The Storm\]\] is final \(2 of 6", outline
    )
    trace = await writer.request(RUNS_GET, {"run": result["run"]})
    steps = [(s["label"], s.get("skipped")) for s in trace["actions"]]
    assert [label for label, _ in steps] == [
        "Find the scene's characters",
        "Update character progression",
        "Create review tasks",
        "Update the timeline",
        "Select transition music",
        "Tell the writer",
    ]
    assert all(skipped is None for _, skipped in steps)
    assert result["messages"][0]["message"] == "The Storm is final: review tasks for 3 characters"
    # The new tasks are indexed (just after the result went out): their creation is logged,
    # by the rule.
    made = await writer.wait_for(
        lambda: (
            (found := [n["event"] for n in writer.events])
            and {e["subject"] for e in found} >= set(created)
            and found
        ),
        "the tasks' note.created events",
    )
    assert {e["actor"] for e in made if e["subject"] in created} == {"automation:scene-final"}


async def test_a_finished_development_task_updates_the_character(writer: Editor) -> None:
    task = writer.root / TASK
    task.write_text(task.read_text(encoding="utf-8").replace("status: open", "status: done"))
    writer.client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            changes=[lsp.FileEvent(uri=task.as_uri(), type=lsp.FileChangeType.Changed)]
        )
    )

    result = await result_of(writer, "character-development")
    assert result["outcome"] == "succeeded", result
    assert result["event"]["type"] == "task_completed"
    assert [c["path"] for c in result["changes"]] == [ALICE]
    alice = (writer.root / ALICE).read_text(encoding="utf-8")
    fields = frontmatter(alice)
    # The date of the run (the writer's local day), the same in the field and the log line.
    developed = str(fields["last_developed"])
    assert dt.date.fromisoformat(developed) - dt.date.today() in (dt.timedelta(0), -dt.timedelta(1))
    log = alice.split("## Development log", 1)[1]
    assert f"- {developed}: finished [[Develop Alice arc]]" in log
    updated = await events_of(writer, "custom.vault.character_relationships_updated")
    assert len(updated) == 1 and updated[0]["subject"] == ALICE
    assert updated[0]["data"]["values"]["relationships"] == ["[[Bram]]", "[[Zoë]]", "[[Verrin]]"]


async def test_a_writer_typing_while_a_rule_edits_the_note_loses_nothing(
    writer: Editor,
) -> None:
    text = (writer.root / ROAD).read_text(encoding="utf-8")
    writer.open(ROAD, text)
    writer.replace_all(ROAD, text.replace("mood:peaceful", "mood:tense"))
    last = len(writer.text(ROAD).splitlines())
    # Just as the rule's edit arrives, the writer types a line: the edit was made for the
    # version before, so the editor refuses it, and the rule plans again on the new text.
    writer.before_apply = lambda: writer.insert(ROAD, last, 0, "Typed meanwhile.\n")
    writer.save(ROAD)

    result = await result_of(writer, "mood-music")
    assert result["outcome"] == "succeeded", result
    final = writer.text(ROAD)
    assert "Typed meanwhile." in final
    assert frontmatter(final)["music"] == "[[Battle Drums]]"
    assert writer.refused_edits == 1 and writer.applied_edits == 1
    trace = await writer.request(RUNS_GET, {"run": result["run"]})
    assert trace["attempts"] == 2


async def test_clients_without_results_see_notify_messages(vault: Path, tmp_path: Path) -> None:
    client = await _start(vault, tmp_path / "data", results=False)
    try:
        text = (client.root / ROAD).read_text(encoding="utf-8")
        client.open(ROAD, text)
        client.replace_all(ROAD, text.replace("mood:peaceful", "mood:tense"))
        client.save(ROAD)
        shown = await client.wait_for(
            lambda: [m for m in client.client.messages if "music is now" in m.message],
            "a message",
        )
        assert shown[0].message == "The Road to Ashwood: music is now Battle Drums (tense)"
        assert client.results == []
    finally:
        await client.close()


async def test_the_run_in_a_result_can_be_undone_from_the_editor(writer: Editor) -> None:
    text = (writer.root / ROAD).read_text(encoding="utf-8")
    writer.open(ROAD, text)
    tense = text.replace("mood:peaceful", "mood:tense")
    writer.replace_all(ROAD, tense)
    writer.save(ROAD)
    result = await result_of(writer, "mood-music")
    assert frontmatter(writer.text(ROAD))["music"] == "[[Battle Drums]]"

    undone = await writer.request(RUNS_UNDO, {"run": result["run"]})

    assert undone["restored"] == [ROAD] and undone["conflicts"] == []
    # Through the editor, as the run's own edit was: the writer's mood change stays.
    assert writer.text(ROAD) == tense
    assert writer.applied_edits == 2
    trace = await writer.request(RUNS_GET, {"run": result["run"]})
    assert trace["undoneBy"] == undone["undo"]
    with pytest.raises(JsonRpcException, match="undone already"):
        await writer.request(RUNS_UNDO, {"run": result["run"]})
