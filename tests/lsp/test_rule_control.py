"""Seeing and steering rules from the editor, through the real sidecar: dry runs and their code
lens, replay, "why didn't it fire", switching a rule off, and the automation's status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from vespera_protocol.messages import (
    AUTOMATION_STATUS,
    EVENTS_SUBSCRIBE,
    RULES_DRY_RUN,
    RULES_REPLAY,
    RULES_SET_ENABLED,
    RUNS_EXPLAIN,
)

from .editor import Editor, _offset
from .test_automation import ROAD, STORM, _start, result_of

MOOD_RULE = ".vespera/rules/mood-music.yaml"


@pytest.fixture
async def writer(vault: Path, tmp_path: Path) -> AsyncIterator[Editor]:
    client = await _start(vault, tmp_path / "data")
    try:
        yield client
    finally:
        await client.close()


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


async def test_a_dry_run_of_a_chain_on_a_note_shows_its_changes_and_writes_nothing(
    writer: Editor,
) -> None:
    before = files(writer.root)

    result = await writer.request(RULES_DRY_RUN, {"rule": "scene-final", "note": STORM})

    assert result["matched"] and result["ran"] and result["error"] is None, result
    paths = {c["path"]: c for c in result["changes"]}
    assert {"Tasks/Review Alice in The Storm.md", "Story Outline.md"} <= set(paths)
    assert paths["Characters/Alice.md"]["diff"].count("+scenes_completed") == 1
    assert result["messages"] == ["The Storm is final: review tasks for 3 characters"]
    assert result["actions"][0]["label"] == "Find the scene's characters"
    assert files(writer.root) == before  # nothing written


async def test_the_rule_file_lens_dry_runs_the_edited_rule_on_the_active_note(
    writer: Editor,
) -> None:
    writer.open(ROAD)  # the active note
    text = (writer.root / MOOD_RULE).read_text(encoding="utf-8")
    # An unsaved edit: the lens runs the rule as the editor has it.
    edited = text.replace(
        "  - has_link: music\n", "  - has_link: music\n  - note.fields.order > 9\n"
    )
    writer.open(MOOD_RULE, edited)

    lenses = await writer.client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(writer.uri(MOOD_RULE)))
    )

    assert lenses is not None
    titles = [lens.command.title for lens in lenses if lens.command is not None]
    assert titles == ["▶ Dry-run on the active note", "↺ Replay the last 7 days"]
    command = lenses[0].command
    assert command is not None and lenses[0].range.start.line == 1  # the rule's name
    result = await writer.client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    )
    assert result is not None
    assert result["event"]["subject"] == ROAD
    assert not result["ran"] and result["reason"] == "its conditions do not hold"
    messages = await writer.wait_for(
        lambda: [m.message for m in writer.client.messages if "Dry run" in m.message],
        "the dry run's message",
    )
    assert messages == [
        f"Dry run of 'Scene mood music' on {ROAD}: it would not run (its conditions do not hold)."
    ]


async def test_why_a_rule_did_not_fire_and_what_a_replay_finds(writer: Editor) -> None:
    text = (writer.root / ROAD).read_text(encoding="utf-8")
    writer.open(ROAD, text)
    writer.replace_all(ROAD, text.replace("mood:peaceful", "mood:tense"))
    writer.save(ROAD)
    result = await result_of(writer, "mood-music")
    event = result["event"]["id"]

    explained = await writer.request(RUNS_EXPLAIN, {"event": event})

    by_rule = {e["rule"]: e for e in explained["entries"]}
    assert by_rule["mood-music"]["stage"] == "ran"
    assert by_rule["mood-music"]["run"] == result["run"]
    assert by_rule["scene-final"]["stage"] == "trigger"
    assert by_rule["scene-final"]["reason"] == (
        "tags: no tag added or changed is like status:final"
    )
    assert by_rule["character-development"]["stage"] == "not-listening"
    assert by_rule["character-development"]["reason"] == (
        "it listens for task_completed, not tag_changed"
    )

    replayed = await writer.request(RULES_REPLAY, {"rule": "mood-music"})
    assert replayed["fired"] == 1 and replayed["runs"][0]["event"]["id"] == event
    assert replayed["summary"].startswith("This rule would have fired once over ")


async def test_a_rule_switched_off_shows_in_the_status_and_does_not_run(writer: Editor) -> None:
    switched = await writer.request(RULES_SET_ENABLED, {"rule": "mood-music", "enabled": False})
    assert switched == {"rule": "mood-music", "enabled": False, "source": "machine"}
    assert "enabled" not in (writer.root / MOOD_RULE).read_text(encoding="utf-8")

    status = await writer.request(AUTOMATION_STATUS, {})

    assert status["enabled"] is True
    rules = {r["rule"]: r for r in status["rules"]}
    assert rules["mood-music"]["active"] is False
    assert rules["mood-music"]["reason"] == "switched off on this machine"
    assert rules["mood-music"]["override"] is False
    assert rules["scene-final"]["active"] is True and rules["scene-final"]["breaker"] == "closed"
    assert status["openBreakers"] == [] and status["running"] == 0

    await writer.request(EVENTS_SUBSCRIBE, {"filter": {"types": ["tag_changed"]}})
    text = (writer.root / STORM).read_text(encoding="utf-8")
    writer.open(STORM, text)
    writer.replace_all(STORM, text.replace("mood:tense", "mood:peaceful"))
    writer.save(STORM)
    (change,) = await writer.wait_for(
        lambda: [n["event"] for n in writer.events], "the mood change's event"
    )

    explained = await writer.request(RUNS_EXPLAIN, {"event": change["id"], "rule": "mood-music"})
    assert [(e["stage"], e["reason"]) for e in explained["entries"]] == [
        ("disabled", "the rule does not run: switched off on this machine")
    ]
    status = await writer.request(AUTOMATION_STATUS, {})
    assert status["eventsToday"] >= 1 and status["runsToday"] == 0


TIDY = """---
name: Tidy tags on save
timing: pre
trigger: {event: will_save, codex_type: scene}
actions:
  - {type: replace_tags, old: "mood:peaceful", new: "mood:calm"}
---

# Tidy tags on save

A scene saved with the old mood name gets the new one.
"""


async def test_a_markdown_pre_hook_edits_a_note_as_it_is_saved(writer: Editor) -> None:
    hook = ".vespera/hooks/tidy.md"
    (writer.root / hook).parent.mkdir(parents=True, exist_ok=True)
    (writer.root / hook).write_text(TIDY, encoding="utf-8")
    # The hook's mistakes show in the hook as in any rule file (here: none).
    writer.open(hook, TIDY.replace("timing: pre", "timng: pre"))
    found = await writer.diagnostics(hook, lambda d: len(d) > 0)
    assert found[0].message == "Unknown key 'timng'. Did you mean 'timing'?"
    assert found[0].range.start.line == 2
    writer.replace_all(hook, TIDY)
    writer.save(hook)
    await writer.wait_for(
        lambda: not writer.client.diagnostics.get(writer.uri(hook)),
        "the hook's findings cleared",
    )
    text = (writer.root / ROAD).read_text(encoding="utf-8")
    writer.open(ROAD, text)

    edits = await writer.client.text_document_will_save_wait_until_async(
        lsp.WillSaveTextDocumentParams(
            text_document=lsp.TextDocumentIdentifier(writer.uri(ROAD)),
            reason=lsp.TextDocumentSaveReason.Manual,
        )
    )

    assert edits is not None
    (edit,) = edits
    start, end = _offset(text, edit.range.start), _offset(text, edit.range.end)
    saved = text[:start] + edit.new_text + text[end:]
    assert saved == text.replace("mood:peaceful", "mood:calm")
    assert (writer.root / ROAD).read_text(encoding="utf-8") == text  # the editor saves it
