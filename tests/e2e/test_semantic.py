"""The semantic layer on a real vault: the real model, Chroma and Kuzu on temporary folders."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vespera.semantic.layer import SemanticLayer
from vespera.semantic.model_files import ModelUnavailableError
from vespera.semantic.related import RelatedQuery
from vespera.semantic.settings import EmbeddingSettings, load_embedding_settings
from vespera.session import VaultSession

VAULT = Path(__file__).resolve().parents[1] / "vaults" / "semantic"
CELLAR = "Scenes/The Cellar.md"
SIEGE = "Scenes/The Siege.md"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return Path(shutil.copytree(VAULT, tmp_path / "vault"))


async def _open(vault: Path, state: Path) -> tuple[VaultSession, SemanticLayer]:
    session = await VaultSession.open(vault, state)
    await session.index()
    layer = SemanticLayer(session, interactive=False, settings=EmbeddingSettings())
    await layer.open()
    return session, layer


@pytest.fixture
async def opened(vault: Path, tmp_path: Path) -> AsyncIterator[tuple[VaultSession, SemanticLayer]]:
    session, layer = await _open(vault, tmp_path / "state")
    try:
        yield session, layer
    finally:
        await layer.close()
        await session.close()


async def test_fear_in_a_cellar_relates_to_fear_of_the_dark_more_than_to_a_meadow(
    opened: tuple[VaultSession, SemanticLayer],
) -> None:
    _, layer = opened
    await layer.sync()
    found = await layer.related(RelatedQuery(path=CELLAR, limit=10))
    order = [n.path for n in found]
    assert order.index("Characters/Mira.md") < order.index("Characters/Tobin.md")
    mira = found[order.index("Characters/Mira.md")]
    tobin = found[order.index("Characters/Tobin.md")]
    # No word in common, and still clearly nearer.
    assert mira.semantic > tobin.semantic + 0.1
    assert mira.reasons[0].startswith("similar meaning")
    assert CELLAR not in order


async def test_free_text_search_finds_notes_by_meaning(
    opened: tuple[VaultSession, SemanticLayer],
) -> None:
    _, layer = opened
    await layer.sync()
    found = await layer.related(RelatedQuery(text="scared of shadows at night", limit=3))
    assert found[0].path == "Characters/Mira.md"
    found = await layer.related(RelatedQuery(text="summer afternoon lying in the grass", limit=3))
    assert found[0].path == "Characters/Tobin.md"


async def test_links_and_shared_tags_add_to_similarity_with_reasons(
    opened: tuple[VaultSession, SemanticLayer],
) -> None:
    _, layer = opened
    await layer.sync()
    found = {n.path: n for n in await layer.related(RelatedQuery(path=SIEGE, limit=10))}
    drums = found["Music/Battle Drums.md"]
    assert drums.link_distance == 1
    assert drums.shared_tags == ("mood:tense",)
    assert "linked" in drums.reasons and "shared tags: mood:tense" in drums.reasons
    assert drums.score > drums.semantic * 0.6  # links and tags count on top of meaning
    # The cellar shares a tag but no link; Tobin is linked.
    assert found[CELLAR].link_distance is None
    assert found["Characters/Tobin.md"].link_distance == 1


async def test_filters_hide_linked_notes_and_keep_types_tags_and_folders(
    opened: tuple[VaultSession, SemanticLayer],
) -> None:
    _, layer = opened
    await layer.sync()
    unlinked = await layer.related(RelatedQuery(path=SIEGE, hide_linked=True))
    assert {n.path for n in unlinked}.isdisjoint({"Music/Battle Drums.md", "Characters/Tobin.md"})
    characters = await layer.related(RelatedQuery(path=CELLAR, types=("character",)))
    assert {n.type for n in characters} == {"character"}
    tense = await layer.related(RelatedQuery(path=CELLAR, tags=("mood:*",)))
    assert {n.path for n in tense} == {SIEGE, "Music/Battle Drums.md"}
    music = await layer.related(RelatedQuery(path=CELLAR, folders=("Music",)))
    assert [n.path for n in music] == ["Music/Battle Drums.md"]


async def test_only_changed_notes_are_embedded_again(
    opened: tuple[VaultSession, SemanticLayer], vault: Path
) -> None:
    session, layer = opened
    first = await layer.sync()
    assert first.embedded == 6 and first.passages >= 6
    again = await layer.sync()
    assert (again.embedded, again.passages) == (0, 0)
    note = vault / "Characters/Tobin.md"
    note.write_text(note.read_text() + "\nHe keeps bees.\n", encoding="utf-8")
    await session.update(["Characters/Tobin.md"])
    edited = await layer.sync()
    assert (edited.embedded, edited.passages) == (1, 1)


async def test_editing_one_section_of_a_long_note_embeds_that_section_only(
    opened: tuple[VaultSession, SemanticLayer], vault: Path
) -> None:
    session, layer = opened
    await layer.sync()
    before = (await layer.related(RelatedQuery(path=SIEGE)))[0]
    note = vault / SIEGE
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace("rang the bells", "rang every bell"), encoding="utf-8")
    await session.update([SIEGE])
    report = await layer.sync()
    assert (report.embedded, report.passages) == (1, 1)
    assert report.reused >= 3
    assert report.written == 2  # the changed passage, and the first (it holds the note's hash)
    assert (await layer.related(RelatedQuery(path=SIEGE)))[0].path == before.path


async def test_deleted_notes_lose_their_vectors(
    opened: tuple[VaultSession, SemanticLayer], vault: Path
) -> None:
    session, layer = opened
    await layer.sync()
    (vault / "Characters/Mira.md").unlink()
    await session.update(["Characters/Mira.md"])
    report = await layer.sync()
    assert report.removed == 1
    found = await layer.related(RelatedQuery(path=CELLAR, limit=10))
    assert "Characters/Mira.md" not in {n.path for n in found}


async def test_a_note_too_large_to_read_waits_for_a_change_instead_of_every_pass(
    vault: Path, tmp_path: Path
) -> None:
    (vault / ".vespera").mkdir()
    (vault / ".vespera/config.yaml").write_text("max_note_bytes: 1024\n", encoding="utf-8")
    (vault / "Notes").mkdir()
    (vault / "Notes/Huge.md").write_text("word " * 400, encoding="utf-8")
    session, layer = await _open(vault, tmp_path / "state")
    try:
        first = await layer.sync()
        assert first.unreadable == ["Notes/Huge.md"] and first.embedded == 6
        assert await layer.pending() == 0
        assert (await layer.sync()).unreadable == []
    finally:
        await layer.close()
        await session.close()


async def test_vectors_survive_a_restart(vault: Path, tmp_path: Path) -> None:
    session, layer = await _open(vault, tmp_path / "state")
    try:
        await layer.sync()
    finally:
        await layer.close()
        await session.close()
    session, layer = await _open(vault, tmp_path / "state")
    try:
        assert await layer.pending() == 0
        report = await layer.sync()
        assert report.embedded == 0
        assert (await layer.related(RelatedQuery(path=CELLAR)))[0].semantic > 0
    finally:
        await layer.close()
        await session.close()


async def test_a_paused_pass_stops_between_batches_and_resumes(
    opened: tuple[VaultSession, SemanticLayer],
) -> None:
    _, layer = opened
    layer.gate.stop()
    report = await layer.sync()
    assert report.stopped and report.embedded == 0


async def test_a_missing_model_is_reported_with_what_to_do(vault: Path, tmp_path: Path) -> None:
    empty = tmp_path / "no-model"
    empty.mkdir()
    session = await VaultSession.open(vault, tmp_path / "state")
    try:
        layer = SemanticLayer(session, False, EmbeddingSettings(model_dir=empty))
        with pytest.raises(ModelUnavailableError, match=r"holds no model: it needs model\.onnx"):
            await layer.open()
        off = SemanticLayer(session, False, EmbeddingSettings(provider="none"))
        with pytest.raises(ModelUnavailableError, match="off on this machine"):
            await off.open()
    finally:
        await session.close()


def test_broken_machine_settings_fall_back_to_the_local_model(tmp_path: Path) -> None:
    file = tmp_path / "embeddings.yaml"
    file.write_text("provider: [openai\n", encoding="utf-8")
    settings, problem = load_embedding_settings(file)
    assert settings.provider == "local" and "not valid YAML" in problem
    file.write_text("provider: telepathy\n", encoding="utf-8")
    settings, problem = load_embedding_settings(file)
    assert settings.provider == "local" and "provider" in problem
    assert load_embedding_settings(tmp_path / "absent.yaml") == (EmbeddingSettings(), "")
