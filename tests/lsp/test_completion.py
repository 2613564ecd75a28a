"""Completions over stdio: tags inline and in frontmatter, link targets, headings, blocks."""

from __future__ import annotations

from lsprotocol import types as lsp

from .editor import Editor

STORM = "Scenes/The Storm.md"


def labels(result: lsp.CompletionList | None) -> list[str]:
    assert result is not None
    ordered = sorted(result.items, key=lambda i: i.sort_text or "")
    return [i.label for i in ordered]


def inserted(result: lsp.CompletionList | None, label: str) -> str:
    assert result is not None
    item = next(i for i in result.items if i.label == label)
    assert isinstance(item.text_edit, lsp.TextEdit)
    return item.text_edit.new_text


async def test_inline_tag_completion_offers_key_values_ranked_by_use(editor: Editor) -> None:
    editor.open(STORM)
    end = len((editor.root / STORM).read_text().splitlines())
    editor.insert(STORM, end, 0, "Later: #mood:")
    result = await editor.complete(STORM, end, len("Later: #mood:"))
    found = labels(result)
    assert "mood:tense" in found and "mood:peaceful" in found
    assert all(label.startswith("mood:") for label in found)
    assert result is not None
    ordered = sorted(result.items, key=lambda i: i.sort_text or "")
    uses = [int((i.detail or "").split()[0]) for i in ordered]  # "3 uses in 2 notes"
    assert uses == sorted(uses, reverse=True) and uses[0] > uses[-1]
    tense = next(i for i in result.items if i.label == "mood:tense")
    # The item replaces what was typed after "#", not the "#" itself.
    assert isinstance(tense.text_edit, lsp.TextEdit)
    assert tense.text_edit.range.start.character == len("Later: #")


async def test_frontmatter_tags_offer_tags_without_hash(editor: Editor) -> None:
    text = "---\ntype: scene\ntags: [mood:tense, sta]\n---\nBody\n"
    editor.open("Scenes/New.md", text)
    result = await editor.complete("Scenes/New.md", 2, len("tags: [mood:tense, sta"))
    assert "status:draft" in labels(result)
    assert inserted(result, "status:draft") == "status:draft"


async def test_frontmatter_block_list_of_tags_completes(editor: Editor) -> None:
    text = "---\ntags:\n  - mood:tense\n  - sett\n---\n"
    editor.open("Scenes/New.md", text)
    result = await editor.complete("Scenes/New.md", 3, len("  - sett"))
    assert set(labels(result)) >= {"setting:forest", "setting:coast", "setting:town"}


async def test_no_tag_completion_inside_code(editor: Editor) -> None:
    text = "Text\n```\n#mood\n```\nand `#mo"
    editor.open("Scenes/New.md", text)
    assert await editor.complete("Scenes/New.md", 2, 5) is None
    assert await editor.complete("Scenes/New.md", 4, len("and `#mo")) is None


async def test_link_completion_inserts_shortest_target_and_closes(editor: Editor) -> None:
    editor.open("Scenes/New.md", "Meet [[Ali")
    result = await editor.complete("Scenes/New.md", 0, len("Meet [[Ali"))
    assert "Alice" in labels(result)[0]
    label = labels(result)[0]
    assert inserted(result, label) == "Alice]]"


async def test_link_completion_inside_frontmatter_field(editor: Editor) -> None:
    text = '---\ncharacters: ["[[Br"]\n---\n'
    editor.open("Scenes/New.md", text)
    result = await editor.complete("Scenes/New.md", 1, len('characters: ["[[Br'))
    assert any(label.startswith("Bram") for label in labels(result))


async def test_heading_completion_lists_the_target_notes_headings(editor: Editor) -> None:
    editor.open("Scenes/New.md", "See [[The Storm#")
    result = await editor.complete("Scenes/New.md", 0, len("See [[The Storm#"))
    assert labels(result)[:2] == ["Nightfall", "The men on the stair"]
