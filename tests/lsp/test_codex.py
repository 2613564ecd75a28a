"""Codex types over stdio: violations as diagnostics, frontmatter completions, quick fixes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lsprotocol import types as lsp

from .editor import Editor

NEW = "Scenes/New.md"


def codes(found: Sequence[lsp.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in found)


def has(*wanted: str) -> Callable[[Sequence[lsp.Diagnostic]], bool]:
    return lambda found: all(w in codes(found) for w in wanted)


def labels(result: lsp.CompletionList | None) -> list[str]:
    assert result is not None
    return [i.label for i in sorted(result.items, key=lambda i: i.sort_text or "")]


async def test_the_example_vault_satisfies_its_own_types(editor: Editor) -> None:
    for path in ("Scenes/The Storm.md", "Characters/Alice.md", "Tasks/Develop Alice arc.md"):
        editor.open(path)
    for path in ("Scenes/The Storm.md", "Characters/Alice.md", "Tasks/Develop Alice arc.md"):
        assert codes(await editor.diagnostics(path)) == []


async def test_type_violations_are_reported_at_their_lines(editor: Editor) -> None:
    text = (
        '---\ntype: scene\ntags: [mood:stormy]\ncharacters: ["[[Lighthouse]]"]\norder: third\n---\n'
    )
    editor.open(NEW, text)
    found = await editor.diagnostics(
        NEW, has("missing-field", "missing-tag", "link-wrong-type", "wrong-field-type")
    )
    by_code = {str(d.code): d for d in found}
    assert "title" in by_code["missing-field"].message
    assert by_code["missing-field"].range.start.line == 1  # the type: line
    assert by_code["wrong-field-type"].range.start.line == 4  # order:
    assert "location" in by_code["link-wrong-type"].message
    assert by_code["tag-value-not-allowed"].range.start.line == 2
    assert "status:" in by_code["missing-tag"].message


async def test_an_unknown_type_names_the_known_ones(editor: Editor) -> None:
    editor.open(NEW, "---\ntype: scnee\n---\n")
    found = await editor.diagnostics(NEW, has("unknown-type"))
    assert "scene" in found[0].message and found[0].range.start.line == 1


async def test_enum_values_are_checked(editor: Editor) -> None:
    text = "---\ntype: task\ntitle: T\nstatus: someday\n---\n"
    editor.open("Tasks/New.md", text)
    found = await editor.diagnostics("Tasks/New.md", has("value-not-allowed"))
    assert "open, doing, done" in found[0].message


async def test_frontmatter_keys_complete_from_the_type_required_first(editor: Editor) -> None:
    text = "---\ntype: scene\ntags: [mood:tense, status:draft]\n\n---\n"
    editor.open(NEW, text)
    result = await editor.complete(NEW, 3, 0)
    found = labels(result)
    assert found[:2] == ["order", "title"]  # required, not yet set
    assert set(found) >= {"characters", "location", "music"}
    assert "tags" not in found


async def test_type_and_enum_values_complete(editor: Editor) -> None:
    editor.open(NEW, "---\ntype: \n---\n")
    assert set(labels(await editor.complete(NEW, 1, 6))) == {
        "character",
        "location",
        "music",
        "scene",
        "task",
    }
    editor.open("Tasks/New.md", "---\ntype: task\nstatus: \n---\n")
    assert labels(await editor.complete("Tasks/New.md", 2, 8)) == ["open", "doing", "done"]


async def test_link_fields_offer_only_notes_of_the_target_type(editor: Editor) -> None:
    editor.open(NEW, '---\ntype: scene\ncharacters: ["[[\n---\n')
    found = labels(await editor.complete(NEW, 2, len('characters: ["[[')))
    assert found and all(
        any(name in label for name in ("Alice", "Bram", "Verrin", "Zoe", "Zoë")) for label in found
    )
    editor.open("Scenes/Other.md", "---\ntype: scene\nlocation: \n---\n")
    values = await editor.complete("Scenes/Other.md", 2, len("location: "))
    assert values is not None
    inserted = {i.text_edit.new_text for i in values.items if isinstance(i.text_edit, lsp.TextEdit)}
    assert '"[[Lighthouse]]"' in inserted and not any("Alice" in t for t in inserted)


async def test_quick_fix_adds_a_missing_required_field(editor: Editor) -> None:
    text = "---\ntype: task\nstatus: open\n---\n"
    editor.open("Tasks/New.md", text)
    found = await editor.diagnostics("Tasks/New.md", has("missing-field"))
    missing = [d for d in found if d.code == "missing-field"]
    actions = await editor.client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(editor.uri("Tasks/New.md")),
            range=missing[0].range,
            context=lsp.CodeActionContext(diagnostics=missing),
        )
    )
    assert actions is not None
    action = actions[0]
    assert isinstance(action, lsp.CodeAction) and action.title == "Add the field 'title'"
    assert action.edit is not None
    changes = action.edit.document_changes or []
    edits = changes[0].edits if changes else (action.edit.changes or {})[editor.uri("Tasks/New.md")]  # type: ignore[union-attr]
    edit = edits[0]
    assert isinstance(edit, lsp.TextEdit)
    assert edit.new_text == "title: \n" and edit.range.start.line == 3


async def test_a_broken_type_file_is_reported_in_the_editor(editor: Editor) -> None:
    path = ".vespera/types/scene.yaml"
    editor.open(path, "fields:\n  order: {type: numbr}\n")
    found = await editor.diagnostics(path, lambda d: len(d) == 1)
    assert found[0].severity == lsp.DiagnosticSeverity.Error
    assert found[0].range.start.line == 1 and "fields.order.type" in found[0].message


async def test_a_changed_type_file_applies_to_open_notes(editor: Editor) -> None:
    editor.open("Locations/Lighthouse.md")
    assert codes(await editor.diagnostics("Locations/Lighthouse.md")) == []
    types = editor.root / ".vespera" / "types" / "location.yaml"
    types.write_text(
        "description: A place.\nfields:\n  region: text\n  climate: {type: text, required: true}\n"
    )
    editor.client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            [lsp.FileEvent(editor.uri(".vespera/types/location.yaml"), lsp.FileChangeType.Changed)]
        )
    )
    found = await editor.diagnostics("Locations/Lighthouse.md", has("missing-field"))
    assert "climate" in found[0].message


async def test_creating_a_missing_character_gives_it_the_character_type(
    editor: Editor, editor_name: str
) -> None:
    text = '---\ntype: scene\ncharacters: ["[[Mira]]"]\n---\n'
    editor.open(NEW, text)
    found = await editor.diagnostics(NEW, has("broken-link"))
    broken = [d for d in found if d.code == "broken-link"]
    actions = await editor.client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(editor.uri(NEW)),
            range=broken[0].range,
            context=lsp.CodeActionContext(diagnostics=broken),
        )
    )
    if editor_name == "neovim":
        # Neovim 0.11 does not announce file creation in workspace edits: no such fix.
        assert not actions
        return
    assert actions is not None and isinstance(actions[0], lsp.CodeAction)
    assert actions[0].title == "Create note Characters/Mira.md (character)"
    assert actions[0].edit is not None and actions[0].edit.document_changes is not None
    create, fill = actions[0].edit.document_changes
    assert isinstance(create, lsp.CreateFile) and create.uri == editor.uri("Characters/Mira.md")
    assert isinstance(fill, lsp.TextDocumentEdit)
    first = fill.edits[0]
    assert isinstance(first, lsp.TextEdit)
    body = first.new_text
    assert body.startswith("---\ntype: character\n") and "tags: []" in body
    assert body.endswith("# Mira\n")
