"""The text of a note created for a link, from the codex type it must have."""

from __future__ import annotations

from vespera.codex.new_note import home_folder, new_note_text
from vespera.codex.types import parse_type_file


def test_an_untyped_note_is_a_title_heading() -> None:
    assert new_note_text("Mira", None) == "# Mira\n"


def test_a_typed_note_gets_its_type_and_required_fields() -> None:
    kind, _ = parse_type_file(
        "task",
        "fields:\n  title: {type: text, required: true}\n  due: date\n"
        "  about: {type: link, list: true, required: true}\ntags: [area]\n",
    )
    assert new_note_text('Fix "the" lamp', kind) == (
        '---\ntype: task\ntitle: "Fix \\"the\\" lamp"\nabout: []\ntags: []\n---\n\n'
        '# Fix "the" lamp\n'
    )


def test_the_home_folder_is_where_most_notes_of_the_type_are() -> None:
    notes = [
        ("Characters/A.md", "character"),
        ("Characters/B.md", "Character"),
        ("Old/C.md", "character"),
        ("Scenes/S.md", "scene"),
    ]
    assert home_folder(notes, "character") == "Characters"
    assert home_folder(notes, "music") == ""
