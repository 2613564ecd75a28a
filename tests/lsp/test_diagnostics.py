"""Diagnostics over stdio: frontmatter YAML, links, anchors, tag hygiene; pushed after edits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from lsprotocol import types as lsp

from .conftest import capabilities
from .editor import Editor

FOG = "Scenes/Fog at Low Tide.md"
NEW = "Scenes/New.md"


def codes(found: Sequence[lsp.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in found)


def has(code: str) -> Callable[[Sequence[lsp.Diagnostic]], bool]:
    return lambda found: code in codes(found)


async def test_broken_link_in_an_opened_note_is_reported_at_its_range(editor: Editor) -> None:
    editor.open(FOG)
    found = await editor.diagnostics(FOG, has("broken-link"))
    broken = next(d for d in found if d.code == "broken-link")
    assert "Missing Harbour" in broken.message
    line = (editor.root / FOG).read_text().splitlines()[broken.range.start.line]
    start, end = broken.range.start.character, broken.range.end.character
    assert line[start:end] == "[[Missing Harbour]]"
    assert broken.severity == lsp.DiagnosticSeverity.Warning
    assert broken.source == "vespera"


async def test_malformed_frontmatter_is_an_error_at_its_line_and_the_rest_still_works(
    editor: Editor,
) -> None:
    editor.open(NEW, "---\ntype: scene\ntags: [mood:tense\n---\nSee [[Nowhere]]\n")
    found = await editor.diagnostics(NEW, lambda d: len(d) >= 2)
    yaml_problem = next(d for d in found if d.severity == lsp.DiagnosticSeverity.Error)
    assert 1 <= yaml_problem.range.start.line <= 3
    assert "broken-link" in codes(found)


async def test_missing_heading_and_block_are_reported(editor: Editor) -> None:
    text = "[[Lighthouse#Lamp room]] [[Lighthouse#Engine room]] [[Lighthouse#^nowhere]]\n"
    editor.open(NEW, text)
    found = await editor.diagnostics(NEW, has("missing-block"))
    assert codes(found) == ["missing-block", "missing-heading"]
    heading = next(d for d in found if d.code == "missing-heading")
    assert "Engine room" in heading.message


async def test_a_link_to_a_name_two_notes_share_is_ambiguous(editor: Editor) -> None:
    (editor.root / "Archive").mkdir()
    (editor.root / "Archive" / "Alice.md").write_text("# Another Alice\n")
    editor.open(NEW, "Only [[Alice]] knows.\n")
    # The new file reaches the index through a file event, as an editor reports it.
    editor.client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            [lsp.FileEvent(editor.uri("Archive/Alice.md"), lsp.FileChangeType.Created)]
        )
    )
    found = await editor.diagnostics(NEW, has("ambiguous-link"))
    assert "2 notes" in found[0].message


async def test_tag_slips_suggest_the_established_tag(editor: Editor) -> None:
    text = "---\ntags: [mood:tnese]\n---\nA #Mood:Tense night and #status-draft too.\n"
    editor.open(NEW, text)
    found = await editor.diagnostics(NEW, lambda d: len(d) >= 3)
    messages = sorted(d.message for d in found if d.code == "tag-near-duplicate")
    assert len(messages) == 3
    assert all("Did you mean #" in m for m in messages)
    assert any("#mood:tense?" in m for m in messages)
    assert any("#status:draft?" in m for m in messages)


async def test_diagnostics_follow_edits_with_the_documents_version(editor: Editor) -> None:
    editor.open(NEW, "Fine so far.\n")
    assert len(await editor.diagnostics(NEW)) == 0
    editor.insert(NEW, 1, 0, "Then [[Nobody Here]]")
    found = await editor.diagnostics(NEW, has("broken-link"))
    assert len(found) == 1
    editor.replace_all(NEW, "Fixed: [[Alice]]\n")
    assert len(await editor.diagnostics(NEW, lambda d: len(d) == 0)) == 0


async def test_fixing_a_link_elsewhere_clears_it_here(editor: Editor) -> None:
    editor.open(NEW, "Meet [[Harbourmaster]].\n")
    await editor.diagnostics(NEW, has("broken-link"))
    # The missing note is created in the editor (unsaved): links to it resolve at once.
    editor.open("Characters/Harbourmaster.md", "# Harbourmaster\n")
    assert len(await editor.diagnostics(NEW, lambda d: len(d) == 0)) == 0


async def test_tags_outside_a_declared_vocabulary_are_reported(editor: Editor) -> None:
    config = editor.root / ".vespera" / "config.yaml"
    config.write_text(
        config.read_text() + "tag_vocabulary: ['mood:*', 'status:*', 'setting:*', task]\n"
    )
    editor.client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            [lsp.FileEvent(editor.uri(".vespera/config.yaml"), lsp.FileChangeType.Changed)]
        )
    )
    editor.open(NEW, "#mood:tense and #weather:rain\n")
    found = await editor.diagnostics(NEW, has("tag-outside-vocabulary"))
    outside = [d for d in found if d.code == "tag-outside-vocabulary"]
    assert len(outside) == 1 and "#weather:rain" in outside[0].message


async def test_ranges_count_utf16_whatever_encodings_the_editor_offers(editor: Editor) -> None:
    assert editor.initialized is not None
    assert editor.initialized.capabilities.position_encoding in (None, "utf-16")
    text = "Zoë 🌊 [[Nowhere]]\n"  # one BMP letter, one astral emoji before the link
    editor.open(NEW, text)
    (found,) = await editor.diagnostics(NEW, has("broken-link"))
    utf16 = text.encode("utf-16-le")
    start, end = found.range.start.character, found.range.end.character
    assert utf16[start * 2 : end * 2].decode("utf-16-le") == "[[Nowhere]]"


async def test_a_vault_opened_through_a_symbolic_link_gets_its_diagnostics_back(
    vault: Path, tmp_path: Path
) -> None:
    link = tmp_path / "through-link"
    link.symlink_to(vault, target_is_directory=True)
    client = await Editor.serve(tmp_path / "data-link")
    try:
        await client.initialize(capabilities("visual-studio-code"), link)
        await client.wait_ready()
        uri = client.open(NEW, "See [[Nowhere]].\n")
        assert uri.startswith(link.as_uri())
        found = await client.diagnostics(NEW, has("broken-link"))
        assert len(found) == 1
    finally:
        await client.close()
