"""Hover, definition, references, symbols, tag rename and quick fixes over stdio."""

from __future__ import annotations

from lsprotocol import types as lsp

from .editor import Editor

STORM = "Scenes/The Storm.md"
NEW = "Scenes/New.md"


def doc(editor: Editor, path: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(editor.uri(path))


def position_of(editor: Editor, path: str, needle: str, offset: int = 1) -> lsp.Position:
    for number, line in enumerate((editor.root / path).read_text().splitlines()):
        if needle in line:
            return lsp.Position(number, line.index(needle) + offset)
    raise AssertionError(f"{needle!r} not in {path}")


async def test_hover_on_a_tag_shows_its_use_and_notes(editor: Editor) -> None:
    editor.open(STORM)
    at = position_of(editor, STORM, "#mood:tense", 3)
    hover = await editor.client.text_document_hover_async(
        lsp.HoverParams(text_document=doc(editor, STORM), position=at)
    )
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    assert "**#mood:tense**" in hover.contents.value and "uses in" in hover.contents.value
    assert "](file://" in hover.contents.value  # links to notes carrying it


async def test_hover_on_a_link_shows_the_target_note(editor: Editor) -> None:
    editor.open(STORM)
    at = position_of(editor, STORM, "[[Lighthouse#Lamp room", 3)
    hover = await editor.client.text_document_hover_async(
        lsp.HoverParams(text_document=doc(editor, STORM), position=at)
    )
    assert hover is not None and isinstance(hover.contents, lsp.MarkupContent)
    assert "Locations/Lighthouse.md" in hover.contents.value
    assert "location" in hover.contents.value  # its codex type


async def test_definition_goes_to_the_linked_heading(editor: Editor) -> None:
    editor.open(STORM)
    at = position_of(editor, STORM, "[[Lighthouse#Lamp room", 3)
    found = await editor.client.text_document_definition_async(
        lsp.DefinitionParams(text_document=doc(editor, STORM), position=at)
    )
    assert isinstance(found, lsp.Location)
    assert found.uri == editor.uri("Locations/Lighthouse.md")
    lines = (editor.root / "Locations/Lighthouse.md").read_text().splitlines()
    assert lines[found.range.start.line] == "## Lamp room"


async def test_references_of_a_tag_list_every_use(editor: Editor) -> None:
    editor.open(STORM)
    at = position_of(editor, STORM, "#mood:tense", 3)
    found = await editor.client.text_document_references_async(
        lsp.ReferenceParams(
            text_document=doc(editor, STORM),
            position=at,
            context=lsp.ReferenceContext(include_declaration=True),
        )
    )
    assert found is not None
    uris = {loc.uri for loc in found}
    assert editor.uri(STORM) in uris and len(found) >= 3


async def test_references_of_a_note_are_its_backlinks(editor: Editor) -> None:
    path = "Characters/Bram.md"
    editor.open(path)
    found = await editor.client.text_document_references_async(
        lsp.ReferenceParams(
            text_document=doc(editor, path),
            position=lsp.Position(0, 0),
            context=lsp.ReferenceContext(include_declaration=True),
        )
    )
    assert found is not None
    assert editor.uri(STORM) in {loc.uri for loc in found}


async def test_document_symbols_nest_headings(editor: Editor) -> None:
    editor.open(NEW, "# Top\ntext\n## One\n### Deep\n## Two\n")
    symbols = await editor.client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(doc(editor, NEW))
    )
    assert symbols is not None
    top = symbols[0]
    assert isinstance(top, lsp.DocumentSymbol) and top.name == "Top"
    assert [c.name for c in top.children or []] == ["One", "Two"]
    assert [c.name for c in (top.children or [])[0].children or []] == ["Deep"]


async def test_workspace_symbols_find_notes_by_title_or_alias(editor: Editor) -> None:
    found = await editor.client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="storm"))
    assert found is not None
    assert "The Storm" in [s.name for s in found]


async def test_renaming_a_tag_edits_every_note_inline_and_in_frontmatter(editor: Editor) -> None:
    editor.open(STORM)
    at = position_of(editor, STORM, "#mood:tense", 3)
    prepared = await editor.client.text_document_prepare_rename_async(
        lsp.PrepareRenameParams(text_document=doc(editor, STORM), position=at)
    )
    assert isinstance(prepared, lsp.PrepareRenamePlaceholder)
    assert prepared.placeholder == "mood:tense"
    edit = await editor.client.text_document_rename_async(
        lsp.RenameParams(text_document=doc(editor, STORM), position=at, new_name="mood:tight")
    )
    assert edit is not None
    changed: dict[str, list[lsp.TextEdit]] = {}
    if edit.document_changes:
        for change in edit.document_changes:
            assert isinstance(change, lsp.TextDocumentEdit)
            if change.text_document.uri == editor.uri(STORM):
                assert change.text_document.version == editor.version(STORM)
            changed[change.text_document.uri] = [
                e for e in change.edits if isinstance(e, lsp.TextEdit)
            ]
    else:
        changed = {uri: list(edits) for uri, edits in (edit.changes or {}).items()}
    storm = changed[editor.uri(STORM)]
    assert len(storm) == 2  # frontmatter and inline
    assert {e.new_text for edits in changed.values() for e in edits} == {"mood:tight"}
    lines = (editor.root / STORM).read_text().splitlines()
    for e in storm:
        line = lines[e.range.start.line]
        assert line[e.range.start.character : e.range.end.character] == "mood:tense"


async def test_renaming_to_an_invalid_tag_is_refused(editor: Editor) -> None:
    editor.open(STORM)
    at = position_of(editor, STORM, "#mood:tense", 3)
    try:
        await editor.client.text_document_rename_async(
            lsp.RenameParams(text_document=doc(editor, STORM), position=at, new_name="two words")
        )
    except Exception as exc:
        assert "not a valid tag" in str(exc)
    else:
        raise AssertionError("an invalid tag name was accepted")


async def test_quick_fix_replaces_a_slipped_tag(editor: Editor) -> None:
    editor.open(NEW, "A #Mood:Tense night\n")
    found = await editor.diagnostics(NEW, lambda d: len(d) == 1)
    actions = await editor.client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=doc(editor, NEW),
            range=found[0].range,
            context=lsp.CodeActionContext(diagnostics=list(found)),
        )
    )
    assert actions is not None and len(actions) == 1
    action = actions[0]
    assert isinstance(action, lsp.CodeAction) and action.title == "Replace with #mood:tense"
    assert action.edit is not None
    edits = (
        action.edit.document_changes[0].edits  # type: ignore[union-attr]
        if action.edit.document_changes
        else (action.edit.changes or {})[editor.uri(NEW)]
    )
    assert isinstance(edits[0], lsp.TextEdit) and edits[0].new_text == "mood:tense"
    assert (edits[0].range.start.character, edits[0].range.end.character) == (3, 13)


async def test_renaming_a_note_updates_the_links_to_it(editor: Editor) -> None:
    editor.open(NEW, "Ask [[Bram|the boatman]] and read [b](../Characters/Bram.md).\n")
    edit = await editor.client.workspace_will_rename_files_async(
        lsp.RenameFilesParams(
            files=[
                lsp.FileRename(
                    old_uri=editor.uri("Characters/Bram.md"),
                    new_uri=editor.uri("Characters/Bram Harrow.md"),
                )
            ]
        )
    )
    assert edit is not None
    by_uri: dict[str, list[str]] = {}
    if edit.document_changes:
        for change in edit.document_changes:
            assert isinstance(change, lsp.TextDocumentEdit)
            by_uri[change.text_document.uri] = [
                e.new_text for e in change.edits if isinstance(e, lsp.TextEdit)
            ]
    else:
        by_uri = {u: [e.new_text for e in es] for u, es in (edit.changes or {}).items()}
    # The open note, as the editor holds it: wikilink alias kept, markdown path re-made.
    assert by_uri[editor.uri(NEW)] == [
        "[[Bram Harrow|the boatman]]",
        "[b](../Characters/Bram%20Harrow.md)",
    ]
    # A closed scene, its frontmatter list included.
    storm = by_uri[editor.uri(STORM)]
    assert "[[Bram Harrow]]" in storm and len(storm) >= 2


async def test_quick_fix_writes_a_link_as_its_note_is_named(editor: Editor) -> None:
    editor.open(NEW, "Ask [[bram]] first.\n")
    found = await editor.diagnostics(NEW, lambda d: len(d) == 1)
    assert found[0].code == "link-case"
    actions = await editor.client.text_document_code_action_async(
        lsp.CodeActionParams(
            text_document=doc(editor, NEW),
            range=found[0].range,
            context=lsp.CodeActionContext(diagnostics=list(found)),
        )
    )
    assert actions is not None and isinstance(actions[0], lsp.CodeAction)
    assert actions[0].title == "Write [[Bram]]"


async def test_moving_a_note_keeps_its_own_relative_links_working(editor: Editor) -> None:
    editor.open(NEW, "Read [the storm](The%20Storm.md) again.\n")
    edit = await editor.client.workspace_will_rename_files_async(
        lsp.RenameFilesParams(
            files=[lsp.FileRename(old_uri=editor.uri(NEW), new_uri=editor.uri("Drafts/New.md"))]
        )
    )
    assert edit is not None
    texts = [
        e.new_text
        for change in edit.document_changes or []
        if isinstance(change, lsp.TextDocumentEdit) and change.text_document.uri == editor.uri(NEW)
        for e in change.edits
        if isinstance(e, lsp.TextEdit)
    ] or [e.new_text for e in (edit.changes or {}).get(editor.uri(NEW), [])]
    assert texts == ["[the storm](../Scenes/The%20Storm.md)"]
