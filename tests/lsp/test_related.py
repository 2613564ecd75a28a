"""Related notes and semantic search through the real sidecar, with the real model."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

from vespera.semantic.settings import CONFIG_DIR_ENV, SETTINGS_FILE
from vespera_protocol.messages import (
    OPEN_NOTE_COMMAND,
    RELATED,
    RELATED_MORE_COMMAND,
    SEARCH,
    SEMANTIC_SET_PAUSED,
    SEMANTIC_STATUS,
)

from .conftest import capabilities
from .editor import SERVE, Editor, server_env

VAULT = Path(__file__).resolve().parents[1] / "vaults" / "semantic"
CELLAR = "Scenes/The Cellar.md"
SIEGE = "Scenes/The Siege.md"


async def _start(vault: Path, data: Path, env: dict[str, str] | None = None) -> Editor:
    client = await Editor.start(SERVE, env or server_env(data))
    await client.initialize(capabilities("visual-studio-code"), vault, {"semantic": True})
    await client.wait_ready()
    return client


async def embedded(client: Editor) -> None:
    """Wait until the vault's notes are all embedded."""
    await client.wait_for(
        lambda: any(getattr(s, "semantic", None) == "ready" for s in client.statuses),
        "the embeddings",
    )


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return Path(shutil.copytree(VAULT, tmp_path / "vault"))


@pytest.fixture
async def writer(vault: Path, tmp_path: Path) -> AsyncIterator[Editor]:
    client = await _start(vault, tmp_path / "data")
    try:
        await embedded(client)
        yield client
    finally:
        await client.close()


async def lenses(client: Editor, path: str) -> list[lsp.CodeLens]:
    found = await client.client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(client.uri(path)))
    )
    return list(found or [])


async def test_the_related_lens_names_the_nearest_notes_and_opens_them(writer: Editor) -> None:
    writer.open(CELLAR)
    found = await lenses(writer, CELLAR)
    titles = [lens.command.title for lens in found if lens.command]
    # Fear in a cellar: the character frightened of the dark, not the one in a sunny meadow
    # (the tense scene and its music share the cellar's mood tag).
    assert titles[0].startswith("Related: ") and len(titles) == 4, titles
    assert "Mira" in titles and "Tobin" not in titles
    assert titles[-1] == "more…"
    assert all(lens.range.start.line == 0 for lens in found)
    first = found[titles.index("Mira")].command
    assert first is not None and first.command == OPEN_NOTE_COMMAND
    assert "similar meaning" in (first.tooltip or "")

    opened = await writer.client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=first.command, arguments=first.arguments)
    )
    assert opened is True
    assert writer.client.shown_documents[-1].uri == writer.uri("Characters/Mira.md")


async def test_more_offers_every_related_note_and_opens_the_choice(writer: Editor) -> None:
    more = (await lenses(writer, CELLAR))[-1].command
    assert more is not None and more.command == RELATED_MORE_COMMAND
    writer.answer = lambda titles: next(t for t in titles if t.startswith("Battle Drums"))
    result: Any = await writer.client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=more.command, arguments=more.arguments)
    )
    question = writer.questions[-1]
    assert question.message == f"Notes related to {CELLAR}:"
    assert len(question.actions or []) == len(result["items"]) == 5
    assert writer.client.shown_documents[-1].uri == writer.uri("Music/Battle Drums.md")


async def test_related_request_scores_with_reasons_and_filters(writer: Editor) -> None:
    result = await writer.request(RELATED, {"uri": writer.uri(SIEGE), "limit": 10})
    assert result["state"] == "ready"
    items = {i["path"]: i for i in result["items"]}
    drums = items["Music/Battle Drums.md"]
    assert drums["linkDistance"] == 1 and drums["sharedTags"] == ["mood:tense"]
    assert drums["uri"] == writer.uri("Music/Battle Drums.md")
    assert "linked" in drums["reasons"]
    scores = [i["score"] for i in result["items"]]
    assert scores == sorted(scores, reverse=True)

    unlinked = await writer.request(
        RELATED, {"uri": writer.uri(SIEGE), "hideLinked": True, "types": ["character"]}
    )
    assert [i["path"] for i in unlinked["items"]] == ["Characters/Mira.md"]


async def test_related_to_a_selection_or_free_text(writer: Editor) -> None:
    writer.open(SIEGE)
    # The last section, about searching the cellars for food.
    span = {"start": {"line": 25, "character": 0}, "end": {"line": 28, "character": 0}}
    by_range = await writer.request(RELATED, {"uri": writer.uri(SIEGE), "range": span})
    selected = "\n".join(writer.text(SIEGE).split("\n")[25:28]) + "\n"
    assert "cellars" in selected
    by_its_text = await writer.request(RELATED, {"text": selected, "limit": 10})
    # The selection's words are what is compared (links and tags of the note still count),
    # and the note itself is never among its relatives.
    meaning = {i["path"]: i["semantic"] for i in by_its_text["items"]}
    assert by_range["items"] and SIEGE not in {i["path"] for i in by_range["items"]}
    for item in by_range["items"]:
        assert item["semantic"] == pytest.approx(meaning[item["path"]], abs=1e-3), item
    by_text = await writer.request(RELATED, {"text": "afraid of the dark", "limit": 2})
    assert by_text["items"][0]["path"] == "Characters/Mira.md"


async def test_search_finds_notes_by_meaning_without_an_open_note(writer: Editor) -> None:
    result = await writer.request(SEARCH, {"text": "warm grass and wildflowers", "limit": 3})
    assert result["items"][0]["path"] == "Characters/Tobin.md"
    assert result["items"][0]["reasons"][0].startswith("similar meaning")
    filtered = await writer.request(SEARCH, {"text": "fear", "folders": ["Music"]})
    assert {i["path"] for i in filtered["items"]} == {"Music/Battle Drums.md"}


async def test_an_edited_note_is_embedded_again_and_the_lens_follows(writer: Editor) -> None:
    status = await writer.request(SEMANTIC_STATUS, {})
    assert status["pending"] == 0 and status["notes"] == 6
    assert status["model"].startswith("local:all-MiniLM-L6-v2")
    writer.open("Locations/Harbour Market.md")
    writer.replace_all(
        "Locations/Harbour Market.md",
        "---\ntype: location\n---\n\nA damp cellar under the market where nobody dares go "
        "without a light; people are frightened of what waits in the dark.\n",
    )
    writer.save("Locations/Harbour Market.md")
    before = len(writer.statuses)

    def re_embedded() -> bool:
        return any(s.semantic == "embedding" for s in writer.statuses[before:]) and (
            writer.statuses[-1].semantic == "ready"
        )

    await writer.wait_for(re_embedded, "the edited note embedded")
    found = await lenses(writer, "Characters/Mira.md")
    titles = [lens.command.title for lens in found if lens.command]
    assert "Harbour Market" in " ".join(titles[:3]), titles


async def test_embedding_can_be_paused_and_resumed(writer: Editor) -> None:
    paused = await writer.request(SEMANTIC_SET_PAUSED, {"paused": True})
    assert paused["paused"] and paused["state"] == "paused"
    resumed = await writer.request(SEMANTIC_SET_PAUSED, {"paused": False})
    assert not resumed["paused"] and resumed["state"] in ("ready", "embedding")


async def test_a_missing_model_says_why_and_everything_else_works(
    vault: Path, tmp_path: Path
) -> None:
    settings = tmp_path / "machine"
    settings.mkdir()
    (settings / SETTINGS_FILE).write_text(f"model_dir: {tmp_path / 'nowhere'}\n", "utf-8")
    env = {**server_env(tmp_path / "data"), CONFIG_DIR_ENV: str(settings)}
    client = await _start(vault, tmp_path / "data", env)
    try:
        await client.wait_for(
            lambda: any(s.semantic == "unavailable" for s in client.statuses), "unavailable"
        )
        warning = await client.wait_for(
            lambda: [m for m in client.client.messages if "Related notes" in m.message],
            "the warning",
        )
        assert "holds no model" in warning[0].message
        assert "Everything else works" in warning[0].message
        found = await lenses(client, CELLAR)
        assert [lens.command.title for lens in found if lens.command] == [
            "Related notes: unavailable (no embedding model)"
        ]
        result: Any = await client.request(RELATED, {"uri": client.uri(CELLAR)})
        assert result["items"] == [] and "holds no model" in result["message"]
        # Completion and diagnostics do not depend on the model.
        client.open(CELLAR)
        completion = await client.client.text_document_completion_async(
            lsp.CompletionParams(
                text_document=lsp.TextDocumentIdentifier(client.uri(CELLAR)),
                position=lsp.Position(2, 7),
            )
        )
        assert completion is not None
    finally:
        await client.close()


async def test_switching_semantic_features_off_stops_embedding_and_hides_the_lens(
    writer: Editor,
) -> None:
    writer.settings = {"semantic": False}
    writer.client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(None))
    await writer.wait_for(lambda: writer.statuses[-1].semantic == "off", "embedding stopped")
    assert await lenses(writer, CELLAR) == []
    writer.settings = {"semantic": True}
    writer.client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(None))
    await writer.wait_for(lambda: writer.statuses[-1].semantic == "ready", "embedding again")
    titles = [lens.command.title for lens in await lenses(writer, CELLAR) if lens.command]
    assert "Mira" in titles
