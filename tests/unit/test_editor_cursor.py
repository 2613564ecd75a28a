"""Cursor slots and open documents: what is being typed, and UTF-16 columns to indexes."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vespera.editor.cursor import (
    BlockSlot,
    Cursor,
    HeadingSlot,
    LinkSlot,
    Slot,
    TagSlot,
    cursor_at,
    frontmatter_key,
    in_code,
    slot_at,
)
from vespera.editor.document import (
    EditorDocument,
    index_to_utf16,
    parse_editor_text,
    utf16_to_index,
)
from vespera.vault.parser import parse_text

PROPERTY = settings(max_examples=300, deadline=None, derandomize=True, database=None)


def doc(text: str) -> EditorDocument:
    return EditorDocument("Notes/Note.md", text)


def cursor(document: EditorDocument, line: int, index: int | None = None) -> Cursor:
    """The cursor on ``line`` at code-point ``index`` (the end of the line by default)."""
    text = document.line(line)
    return Cursor(line, text, len(text) if index is None else index)


def slot(text: str, line: int = 0, index: int | None = None) -> Slot | None:
    document = doc(text)
    return slot_at(document, cursor(document, line, index))


# Inline tags


def test_tag_slot_after_hash_at_line_start() -> None:
    assert slot("#pro") == TagSlot("pro", 1, False)


def test_tag_slot_after_space_starts_after_the_hash() -> None:
    assert slot("a note #pro") == TagSlot("pro", 8, False)


def test_bare_hash_opens_an_empty_tag_slot() -> None:
    assert slot("see #") == TagSlot("", 5, False)


@pytest.mark.parametrize("opener", ["(", "[", ",", ";", "\t"])
def test_tag_slot_after_opening_punctuation(opener: str) -> None:
    assert slot(f"x{opener}#ta") == TagSlot("ta", 3, False)


def test_hash_inside_a_word_is_no_tag() -> None:
    assert slot("issue#12") is None


def test_heading_marker_with_space_is_no_tag() -> None:
    assert slot("# Title") is None
    assert slot("## ") is None


def test_unicode_tag_prefix_is_kept_whole() -> None:
    assert slot("un #café") == TagSlot("café", 4, False)


def test_nested_tag_prefix_keeps_the_slash() -> None:
    assert slot("#mood/ca") == TagSlot("mood/ca", 1, False)


def test_key_value_tag_prefix_keeps_the_colon() -> None:
    assert slot("#status:dr") == TagSlot("status:dr", 1, False)


def test_tag_slot_ends_at_the_cursor_not_the_word() -> None:
    assert slot("#project", index=4) == TagSlot("pro", 1, False)


def test_text_after_the_tag_ends_the_slot() -> None:
    assert slot("#tag and more") is None


def test_tag_after_emoji_has_code_point_start_and_utf16_column() -> None:
    document = doc("😀 #ca")
    at = cursor_at(document, 0, 6)  # 😀 is two UTF-16 units
    assert at.index == 5
    found = slot_at(document, at)
    assert isinstance(found, TagSlot)
    assert found == TagSlot("ca", 3, False)
    assert index_to_utf16(at.text, found.start) == 4


# Code


def test_no_tag_slot_inside_inline_code() -> None:
    assert slot("run `#ta") is None


def test_tag_slot_after_a_closed_inline_code_span() -> None:
    assert slot("run `x` #ta") == TagSlot("ta", 9, False)


def test_no_tag_slot_inside_a_fenced_block() -> None:
    assert slot("```\n#ta\n```\n", line=1) is None


def test_tag_slot_after_a_closed_fenced_block() -> None:
    assert slot("```\ncode\n```\n#ta", line=3) == TagSlot("ta", 1, False)


def test_fence_of_another_kind_does_not_close_the_block() -> None:
    assert slot("~~~\n```\n#ta\n", line=2) is None


def test_shorter_fence_does_not_close_a_longer_one() -> None:
    text = "````\n```\n#ta\n````\n#tb"
    assert slot(text, line=2) is None
    assert slot(text, line=4) == TagSlot("tb", 1, False)


def test_tildes_fence_blocks_tags_too() -> None:
    assert slot("~~~\n#ta", line=1) is None


def test_in_code_ignores_backticks_in_the_frontmatter() -> None:
    document = doc('---\ntitle: "```"\n---\n#ta')
    assert not in_code(document, cursor(document, 3))


def test_in_code_on_the_opening_fence_line_itself() -> None:
    document = doc("```py")
    assert in_code(document, cursor(document, 0))


def test_in_code_is_false_on_plain_text() -> None:
    document = doc("plain text")
    assert not in_code(document, cursor(document, 0))


# Links


def test_link_slot_after_double_bracket() -> None:
    assert slot("see [[No") == LinkSlot("No", 6, False)


def test_empty_link_slot_right_after_the_brackets() -> None:
    assert slot("see [[") == LinkSlot("", 6, False)


def test_link_slot_is_closed_when_brackets_follow_the_cursor() -> None:
    assert slot("see [[No]]", index=8) == LinkSlot("No", 6, True)


def test_link_slot_is_closed_when_brackets_follow_after_spaces() -> None:
    assert slot("see [[No  ]] x", index=8) == LinkSlot("No", 6, True)


def test_link_slot_is_open_when_other_text_follows() -> None:
    assert slot("see [[No and ]]", index=8) == LinkSlot("No", 6, False)


def test_link_slot_keeps_spaces_of_the_prefix() -> None:
    assert slot("[[Meeting no") == LinkSlot("Meeting no", 2, False)


def test_link_slot_after_a_closed_link_is_the_last_one() -> None:
    assert slot("[[A]] and [[B") == LinkSlot("B", 12, False)


def test_closed_link_before_the_cursor_is_no_slot() -> None:
    assert slot("[[Note]] x") is None


def test_alias_part_of_a_link_is_no_slot() -> None:
    assert slot("[[Note|ali") is None


def test_embed_opens_a_link_slot() -> None:
    assert slot("![[Pic") == LinkSlot("Pic", 3, False)


def test_link_slot_even_inside_a_tag_like_word() -> None:
    assert slot("#tag [[x") == LinkSlot("x", 7, False)


def test_heading_slot_after_target_and_hash() -> None:
    assert slot("see [[Note#Hea") == HeadingSlot("Note", "Hea", 11)


def test_heading_slot_target_is_stripped_of_spaces() -> None:
    assert slot("[[ Note #Intro") == HeadingSlot("Note", "Intro", 9)


def test_heading_slot_keeps_spaces_inside_the_heading() -> None:
    assert slot("[[Note#Next st") == HeadingSlot("Note", "Next st", 7)


def test_local_heading_slot_has_empty_target() -> None:
    assert slot("see [[#Local") == HeadingSlot("", "Local", 7)


def test_block_slot_after_hash_caret() -> None:
    assert slot("see [[Note#^blo") == BlockSlot("Note", "blo", 12)


def test_local_block_slot_has_empty_target() -> None:
    assert slot("[[#^") == BlockSlot("", "", 4)


def test_link_slot_inside_a_heading_line() -> None:
    assert slot("# About [[Al") == LinkSlot("Al", 10, False)


# Frontmatter


def test_tag_slot_in_frontmatter_flow_list_excludes_the_key() -> None:
    assert slot("---\ntags: [a, mo\n---\n", line=1) == TagSlot("mo", 10, True)


def test_tag_slot_in_frontmatter_after_the_colon_is_empty() -> None:
    assert slot("---\ntags: \n---\n", line=1, index=6) == TagSlot("", 6, True)


def test_no_tag_slot_on_the_key_and_colon_themselves() -> None:
    assert slot("---\ntags:\n---\n", line=1) is None


def test_tag_slot_in_frontmatter_block_list_item() -> None:
    assert slot("---\ntags:\n  - mo\n---\n", line=2) == TagSlot("mo", 4, True)


def test_tag_slot_in_block_list_item_at_column_zero() -> None:
    assert slot("---\ntags:\n- a\n- mo\n---\n", line=3) == TagSlot("mo", 2, True)


def test_tag_slot_in_frontmatter_skips_a_written_hash() -> None:
    assert slot("---\ntags:\n  - #mo\n---\n", line=2) == TagSlot("mo", 5, True)


def test_tag_slot_in_quoted_frontmatter_value() -> None:
    assert slot('---\ntags: ["a", "mo\n---\n', line=1) == TagSlot("mo", 13, True)


def test_tag_slot_in_comma_separated_frontmatter_value() -> None:
    assert slot("---\ntags: a, b\n---\n", line=1) == TagSlot("b", 9, True)


def test_singular_and_capitalised_tag_keys_hold_tags() -> None:
    assert slot("---\nTag: mo\n---\n", line=1) == TagSlot("mo", 5, True)


def test_key_value_tag_in_frontmatter_keeps_the_colon() -> None:
    assert slot("---\ntags: status:dr\n---\n", line=1) == TagSlot("status:dr", 6, True)


def test_other_frontmatter_keys_hold_no_tags() -> None:
    assert not isinstance(slot("---\ntitle: x #ta\n---\n", line=1), TagSlot)


def test_list_under_another_key_holds_no_tags() -> None:
    text = "---\ntags: a\nother:\n  - #ta\n---\n"
    assert not isinstance(slot(text, line=3), TagSlot)


def test_link_slot_in_a_frontmatter_value() -> None:
    found = slot('---\nrelated: "[[Ali\n---\n', line=1)
    assert isinstance(found, LinkSlot)
    assert (found.prefix, found.start, found.closed) == ("Ali", 12, False)


def test_inline_tag_rules_apply_after_the_frontmatter() -> None:
    assert slot("---\ntitle: x\n---\n#ta", line=3) == TagSlot("ta", 1, False)


def test_frontmatter_key_of_a_list_item_is_the_key_above() -> None:
    document = doc("---\ntags:\n  - a\n  - b\nx: 1\n---\n")
    assert frontmatter_key(document, 3) == "tags"
    assert frontmatter_key(document, 4) == "x"


def test_frontmatter_key_strips_quotes() -> None:
    assert frontmatter_key(doc("---\n'Tags': [a]\n---\n"), 1) == "Tags"


def test_frontmatter_key_is_none_on_the_fence_lines_and_in_the_body() -> None:
    document = doc("---\ntags: [a]\n---\nbody: x\n")
    assert [frontmatter_key(document, n) for n in range(4)] == [None, "tags", None, None]


def test_frontmatter_key_is_none_without_frontmatter() -> None:
    assert frontmatter_key(doc("tags: a\n"), 0) is None


def test_frontmatter_key_is_none_on_a_line_that_is_no_key() -> None:
    assert frontmatter_key(doc("---\njust text\n---\n"), 1) is None


# UTF-16 columns


@pytest.mark.parametrize(
    ("line", "character", "index"),
    [
        ("abc", 2, 2),
        ("abc", 99, 3),
        ("café", 4, 4),
        ("😀x", 2, 1),
        ("😀x", 3, 2),
        ("a😀😀b", 5, 3),
        ("𝄞#tag", 3, 2),
        ("", 5, 0),
    ],
)
def test_utf16_to_index(line: str, character: int, index: int) -> None:
    assert utf16_to_index(line, character) == index


@pytest.mark.parametrize(
    ("line", "index", "character"),
    [("abc", 2, 2), ("café", 4, 4), ("😀x", 1, 2), ("a😀😀b", 3, 5), ("😀", 9, 2)],
)
def test_index_to_utf16(line: str, index: int, character: int) -> None:
    assert index_to_utf16(line, index) == character


def test_column_inside_a_surrogate_pair_rounds_past_the_character() -> None:
    assert utf16_to_index("😀x", 1) == 1


_LINES = st.text(alphabet=st.sampled_from(["a", "#", " ", "é", "日", "😀", "𝄞", "\u0301"]))


@PROPERTY
@given(line=_LINES)
@example(line="😀a𝄞")
def test_every_index_round_trips_through_utf16(line: str) -> None:
    for index in range(len(line) + 1):
        assert utf16_to_index(line, index_to_utf16(line, index)) == index


@PROPERTY
@given(line=_LINES)
def test_utf16_column_of_the_line_end_is_its_encoded_length(line: str) -> None:
    units = len(line.encode("utf-16-le")) // 2
    assert index_to_utf16(line, len(line)) == units
    assert utf16_to_index(line, units) == len(line)


# Documents


def test_document_line_is_empty_past_the_end() -> None:
    document = doc("one\r\ntwo")
    assert [document.line(n) for n in (-1, 0, 1, 2)] == ["", "one", "two", ""]


def test_document_reparses_after_replace() -> None:
    document = doc("#old")
    assert [t.name for t in document.parsed.tags] == ["old"]
    assert document.line(0) == "#old"
    document.replace("#new\nline", 2)
    assert document.version == 2
    assert [t.name for t in document.parsed.tags] == ["new"]
    assert document.line(1) == "line"
    assert document.lines.line_of(len("#new\n")) == 1


def test_document_keeps_a_model_parsed_for_its_current_text() -> None:
    document = doc("#a")
    elsewhere = parse_text("Notes/Note.md", "#b")
    document.set_parsed(elsewhere, document.text)
    assert document.parsed is elsewhere


def test_document_ignores_a_model_parsed_for_older_text() -> None:
    document = doc("#a")
    stale = document.text
    document.replace("#c", 2)
    document.set_parsed(parse_text("Notes/Note.md", stale), stale)
    assert [t.name for t in document.parsed.tags] == ["c"]


def test_parse_editor_text_within_the_limit_parses_the_note() -> None:
    note = parse_editor_text("N.md", "é" * 10 + " #tag", 25)
    assert [t.name for t in note.tags] == ["tag"]
    assert note.problems == ()


def test_parse_editor_text_counts_bytes_not_characters() -> None:
    note = parse_editor_text("N.md", "é" * 10 + " #tag", 24)  # 25 bytes in UTF-8
    assert note.tags == ()
    assert [p.code for p in note.problems] == ["file-too-large"]


def test_oversized_text_is_known_by_its_name_only() -> None:
    limit = 1_048_576
    note = parse_editor_text("Big/Huge note.md", "# Title\n#tag\n" + "x" * limit, limit)
    assert note.title == "Huge note"
    assert (note.tags, note.headings, note.frontmatter_range) == ((), (), None)
    (problem,) = note.problems
    assert problem.code == "file-too-large"
    assert problem.severity == "warning"
    assert "1.0 MB, over the 1.0 MB limit" in problem.message


def test_oversized_text_with_lone_surrogates_does_not_raise() -> None:
    note = parse_editor_text("N.md", "\ud800" * 10, 15)
    assert [p.code for p in note.problems] == ["file-too-large"]


def test_document_applies_its_own_size_limit() -> None:
    document = EditorDocument("N.md", "#tag " * 10, limit=20)
    assert [p.code for p in document.parsed.problems] == ["file-too-large"]


def test_no_tag_slot_while_typing_the_tags_key_itself() -> None:
    doc = EditorDocument("a.md", "---\ntags: [a, mo]\n---\n")
    assert slot_at(doc, Cursor(1, "tags: [a, mo]", 2)) is None


def test_a_fence_line_with_an_info_string_does_not_close_a_block() -> None:
    text = "```\ncode\n```python\n#ta"
    doc = EditorDocument("a.md", text)
    assert slot_at(doc, Cursor(3, "#ta", 3)) is None


def test_a_closed_double_backtick_span_ends_inline_code() -> None:
    line = "`` a ` b `` #ta"
    doc = EditorDocument("a.md", line)
    assert slot_at(doc, Cursor(0, line, len(line))) == TagSlot("ta", len(line) - 2, False)
