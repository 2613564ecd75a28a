"""Rule files over stdio: diagnostics of the editor's text, completions, hovers, reload on save."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types as lsp

from .conftest import capabilities
from .editor import Editor

RULE = ".vespera/rules/revised.yaml"
STORM = "Scenes/The Storm.md"
VALID = """\
name: Revised scenes
trigger:
  event: tag_changed
  codex_type: scene
  tags: "status:revised"
actions:
  - type: notify
    message: "${note.title} was revised"
"""


def invalid(found: Sequence[lsp.Diagnostic]) -> list[lsp.Diagnostic]:
    return [d for d in found if d.code == "rule-invalid"]


def has_invalid(found: Sequence[lsp.Diagnostic]) -> bool:
    return bool(invalid(found))


def labels(result: lsp.CompletionList | None) -> list[str]:
    assert result is not None
    return [i.label for i in sorted(result.items, key=lambda i: i.sort_text or "")]


def span(line: int, start: int, end: int) -> lsp.Range:
    return lsp.Range(lsp.Position(line, start), lsp.Position(line, end))


async def hover(editor: Editor, path: str, line: int, character: int) -> lsp.Hover | None:
    return await editor.client.text_document_hover_async(
        lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(editor.uri(path)),
            position=lsp.Position(line, character),
        )
    )


async def test_a_typo_in_a_key_is_reported_at_the_key(editor: Editor) -> None:
    editor.open(RULE, VALID.replace("  tags:", "  tagz:"))
    found = await editor.diagnostics(RULE, has_invalid)
    typo = invalid(found)[0]
    assert typo.range == span(4, 2, 6)
    assert "Did you mean 'tags'?" in typo.message
    assert typo.severity == lsp.DiagnosticSeverity.Error and typo.source == "vespera"
    disabled = next(d for d in found if d.code == "rule-disabled")
    assert disabled.range == span(0, 6, 20)  # the rule's name
    assert "disabled" in disabled.message and "Unknown key 'tagz'" in disabled.message


async def test_an_unknown_action_type_is_reported_at_the_type(editor: Editor) -> None:
    editor.open(RULE, VALID.replace("type: notify", "type: notfy"))
    found = invalid(await editor.diagnostics(RULE, has_invalid))
    assert len(found) == 1 and found[0].range == span(6, 10, 15)
    assert "Unknown action type 'notfy'. Did you mean 'notify'?" in found[0].message


async def test_a_template_syntax_error_is_reported_as_typed(editor: Editor) -> None:
    editor.open(RULE, VALID)
    assert not await editor.diagnostics(RULE)
    editor.replace_all(RULE, VALID.replace("${note.title} was", "${note.title was"))
    found = invalid(await editor.diagnostics(RULE, has_invalid))
    assert found[0].message.startswith("Template error") and found[0].range.start.line == 7


async def test_the_example_rules_have_no_diagnostics(editor: Editor) -> None:
    path = ".vespera/rules/mood-music.yaml"
    editor.open(path)
    assert not await editor.diagnostics(path)


async def test_action_types_complete_after_type(editor: Editor) -> None:
    text = "name: x\ntrigger:\n  event: tag_changed\nactions:\n  - type: \n"
    editor.open(RULE, text)
    result = await editor.complete(RULE, 4, len("  - type: "))
    found = labels(result)
    assert found[0] == "set_field" and {"notify", "emit_event", "for_each"} <= set(found)
    assert result is not None
    notify = next(i for i in result.items if i.label == "notify")
    assert notify.documentation == "Show the writer a message in the editor."


async def test_event_types_complete_with_the_vaults_custom_events(editor: Editor) -> None:
    editor.open(RULE, "name: x\ntrigger:\n  event: \n")
    result = await editor.complete(RULE, 2, len("  event: "))
    found = labels(result)
    assert {"tag_changed", "status_changed", "note.created"} <= set(found)
    # Emitted by the example vault's rules.
    assert {"music_changed", "character_relationships_updated"} <= set(found)
    assert result is not None
    changed = next(i for i in result.items if i.label == "tag_changed")
    assert changed.documentation == "A note's tags were added, removed or changed."


async def test_trigger_keys_complete(editor: Editor) -> None:
    editor.open(RULE, "name: x\ntrigger:\n  event: tag_changed\n  \n")
    found = labels(await editor.complete(RULE, 3, 2))
    assert {"codex_type", "tags", "removed_tags", "paths", "field"} <= set(found)
    assert "event" not in found and "name" not in found


async def test_hover_over_an_action_type_shows_its_summary_and_keys(editor: Editor) -> None:
    editor.open(RULE, VALID)
    found = await hover(editor, RULE, 6, 12)
    assert found is not None and isinstance(found.contents, lsp.MarkupContent)
    assert found.contents.value.startswith("**notify**: Show the writer a message")
    assert "`message` (required)" in found.contents.value
    assert found.range == span(6, 10, 16)


async def test_pulling_clients_get_a_rule_files_diagnostics(vault: Path, tmp_path: Path) -> None:
    caps = capabilities("visual-studio-code")
    assert caps.text_document is not None and caps.workspace is not None
    caps.text_document.diagnostic = lsp.DiagnosticClientCapabilities()
    caps.workspace.diagnostics = lsp.DiagnosticWorkspaceClientCapabilities()
    client = await Editor.serve(tmp_path / "data")
    try:
        await client.initialize(caps, vault)
        await client.wait_ready()
        uri = client.open(RULE, VALID.replace("  tags:", "  tagz:"))
        report = await client.client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, lsp.RelatedFullDocumentDiagnosticReport)
        assert sorted(str(d.code) for d in report.items) == ["rule-disabled", "rule-invalid"]
    finally:
        await client.close()


async def test_saving_a_fixed_rule_makes_it_run(vault: Path, tmp_path: Path) -> None:
    rule = vault / RULE
    rule.write_text(VALID.replace("  tags:", "  tagz:"), encoding="utf-8")
    client = await Editor.serve(tmp_path / "data")
    try:
        caps = capabilities("visual-studio-code", results=True)
        await client.initialize(caps, vault, {"eventsIdleMs": 200})
        await client.wait_ready()
        client.open(RULE)
        await client.diagnostics(RULE, has_invalid)
        # The writer fixes the rule and saves: the file on disk, then didSave.
        client.replace_all(RULE, VALID)
        rule.write_text(VALID, encoding="utf-8")
        client.save(RULE)
        await client.diagnostics(RULE, lambda found: not found)

        text = (vault / STORM).read_text(encoding="utf-8")
        client.open(STORM, text)
        client.replace_all(STORM, text.replace("status:draft", "status:revised"))
        client.save(STORM)
        result = await client.wait_for(
            lambda: next((r for r in client.results if r["rule"] == "revised"), None),
            "a result of the fixed rule",
        )
        assert result["outcome"] == "succeeded", result
        assert result["messages"] == [{"message": "The Storm was revised", "level": "info"}]
    finally:
        await client.close()
