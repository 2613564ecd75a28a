"""Renaming a tag across the vault: checking the new name, and the edits note by note."""

from __future__ import annotations

import pytest

from vespera.editor.rename import RenameError, TextEdit, checked_tag_name, tag_rename_edits
from vespera.vault.model import Range
from vespera.vault.parser import parse_text
from vespera.vault.resolve import fold


def occurrences(notes: dict[str, str], norm: str) -> list[tuple[str, str, Range]]:
    """Where tag ``norm`` and its nested children are written, as the index reports them."""
    out = []
    for path, text in notes.items():
        for tag in parse_text(path, text).tags:
            if tag.norm == norm or tag.norm.startswith(norm + "/"):
                out.append((path, tag.name, tag.range))
    return out


def rename(notes: dict[str, str], old: str, new: str) -> dict[str, str]:
    """The notes' texts after applying the rename edits (one-line notes only)."""
    edits = tag_rename_edits(occurrences(notes, fold(old)), fold(old), checked_tag_name(new))
    out = {}
    for path, text in notes.items():
        for edit in sorted(edits.get(path, []), key=lambda e: e.range, reverse=True):
            start, end = _offset(text, edit.range.start_char), _offset(text, edit.range.end_char)
            text = text[:start] + edit.text + text[end:]
        out[path] = text
    return out


def _offset(line: str, character: int) -> int:
    units = 0
    for index, char in enumerate(line):
        if units >= character:
            return index
        units += len(char.encode("utf-16-le")) // 2
    return len(line)


# The new name


@pytest.mark.parametrize(
    ("new_name", "checked"),
    [
        ("feeling", "feeling"),
        ("#feeling", "feeling"),
        ("  #feeling ", "feeling"),
        ("Café", "Café"),
        ("mood/calm", "mood/calm"),
        ("status:done", "status:done"),
        ("2024/q1", "2024/q1"),
        ("y2024", "y2024"),
        ("日本語", "日本語"),
    ],
)
def test_valid_tag_names_are_kept_without_the_hash(new_name: str, checked: str) -> None:
    assert checked_tag_name(new_name) == checked


@pytest.mark.parametrize(
    "new_name",
    ["", "   ", "#", "a b", "123", "2024/01", "x.y", "mood:", "mood/", "/mood", "😀", "a#b", "a,b"],
)
def test_invalid_tag_names_are_refused(new_name: str) -> None:
    with pytest.raises(RenameError, match="is not a valid tag"):
        checked_tag_name(new_name)


def test_refusal_quotes_the_name_as_typed() -> None:
    with pytest.raises(RenameError) as caught:
        checked_tag_name("two words")
    assert str(caught.value).startswith('"two words" is not a valid tag')


# The edits


def test_rename_replaces_only_the_name_not_the_hash() -> None:
    edits = tag_rename_edits([("a.md", "mood", Range(0, 4, 0, 9))], "mood", "feeling")
    assert edits == {"a.md": [TextEdit(Range(0, 5, 0, 9), "feeling")]}


def test_rename_of_every_spelling_of_the_tag() -> None:
    notes = {"a.md": "#mood and #MOOD", "b.md": "x #Mood"}
    assert rename(notes, "mood", "feeling") == {
        "a.md": "#feeling and #feeling",
        "b.md": "x #feeling",
    }


def test_renaming_a_parent_keeps_the_rest_of_each_child_as_written() -> None:
    notes = {"a.md": "#Mood/Calm #mood/Tense/Deep"}
    assert rename(notes, "mood", "feeling") == {"a.md": "#feeling/Calm #feeling/Tense/Deep"}


def test_renaming_a_parent_leaves_similar_tags_alone() -> None:
    notes = {"a.md": "#moody #mood:calm #mood-x #mood"}
    assert rename(notes, "mood", "feeling") == {"a.md": "#moody #mood:calm #mood-x #feeling"}


def test_renaming_a_child_leaves_its_parent_and_siblings() -> None:
    notes = {"a.md": "#mood #mood/calm #mood/tense"}
    assert rename(notes, "mood/calm", "mood/serene") == {"a.md": "#mood #mood/serene #mood/tense"}


def test_rename_to_a_nested_name() -> None:
    assert rename({"a.md": "#calm/x"}, "calm", "mood/calm") == {"a.md": "#mood/calm/x"}


def test_rename_after_an_emoji_uses_utf16_columns() -> None:
    assert rename({"a.md": "😀 #café/crème"}, "café", "coffee") == {"a.md": "😀 #coffee/crème"}


def test_rename_of_a_decomposed_accent_spelling() -> None:
    assert rename({"a.md": "#cafe\u0301"}, "café", "coffee") == {"a.md": "#coffee"}


def test_rename_in_frontmatter_keeps_quotes_and_hash() -> None:
    notes = {"a.md": '---\ntags: ["#mood", mood/calm]\n---\n'}
    edits = tag_rename_edits(occurrences(notes, "mood"), "mood", "feeling")
    assert edits == {
        "a.md": [
            TextEdit(Range(1, 9, 1, 13), "feeling"),
            TextEdit(Range(1, 16, 1, 25), "feeling/calm"),
        ]
    }


def test_edits_are_grouped_by_note() -> None:
    occurrences = [
        ("a.md", "idea", Range(0, 0, 0, 5)),
        ("b.md", "idea", Range(2, 0, 2, 5)),
        ("a.md", "Idea", Range(3, 1, 3, 6)),
    ]
    edits = tag_rename_edits(occurrences, "idea", "thought")
    assert sorted(edits) == ["a.md", "b.md"]
    assert [e.range for e in edits["a.md"]] == [Range(0, 1, 0, 5), Range(3, 2, 3, 6)]


def test_unrelated_occurrences_give_no_edits() -> None:
    assert tag_rename_edits([("a.md", "other", Range(0, 0, 0, 6))], "idea", "thought") == {}


def test_child_whose_folded_prefix_changes_length_is_renamed_too() -> None:
    # "Straße" folds to "strasse": the parent is found by folding, not by counting characters.
    found = tag_rename_edits([("a.md", "Straße/x", Range(0, 0, 0, 9))], "strasse", "road")
    assert [e.text for e in found["a.md"]] == ["road/x"]
