"""Headings, block ids, tasks, and a note's title and type."""

from __future__ import annotations

import pytest

from vespera.vault.model import Block, Heading, ParsedNote, Range, Task
from vespera.vault.parser import note_name, parse_text


def parse(text: str, path: str = "Notes/Note.md") -> ParsedNote:
    return parse_text(path, text)


def headings(text: str) -> list[tuple[int, str]]:
    return [(h.level, h.text) for h in parse(text).headings]


# ATX headings


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5, 6])
def test_atx_heading_levels(level: int) -> None:
    text = "#" * level + " Title"
    note = parse(text)
    assert note.headings == (Heading(level, "Title", Range(0, 0, 0, level + 6)),)


def test_seven_hashes_is_not_a_heading() -> None:
    assert headings("####### Seven") == []


def test_hash_without_space_is_a_tag_not_a_heading() -> None:
    note = parse("#NoSpace")
    assert note.headings == ()
    assert [t.name for t in note.tags] == ["NoSpace"]


def test_closing_hashes_are_dropped_from_heading_text() -> None:
    assert headings("## Two ##\n# One #########\n### Three #  ") == [
        (2, "Two"),
        (1, "One"),
        (3, "Three"),
    ]


def test_hashes_not_preceded_by_space_are_part_of_heading_text() -> None:
    assert headings("# C#\n# a # b") == [(1, "C#"), (1, "a # b")]


def test_tab_after_hashes_opens_heading() -> None:
    assert headings("#\tTab") == [(1, "Tab")]


def test_heading_indented_up_to_three_spaces() -> None:
    note = parse("   ### Indented")
    assert note.headings == (Heading(3, "Indented", Range(0, 0, 0, 15)),)


def test_heading_indented_four_spaces_is_code() -> None:
    assert headings("    # Code") == []


def test_empty_atx_heading_has_empty_text() -> None:
    assert headings("#\n## ") == [(1, ""), (2, "")]


def test_heading_in_fence_is_ignored() -> None:
    assert headings("```\n# in fence\n```\n# out") == [(1, "out")]


def test_heading_range_spans_the_whole_line() -> None:
    note = parse("x\n## Two ##")
    assert note.headings[0].range == Range(1, 0, 1, 9)


def test_heading_range_on_crlf_line_stops_before_the_line_break() -> None:
    note = parse("# A #\r\ntext\r\n")
    assert note.headings == (Heading(1, "A", Range(0, 0, 0, 5)),)


def test_heading_text_after_emoji_and_range_in_utf16() -> None:
    note = parse("# 😀 Hi")
    assert note.headings == (Heading(1, "😀 Hi", Range(0, 0, 0, 7)),)


# Setext headings


def test_equals_underline_makes_level_one_heading() -> None:
    note = parse("Para\n===")
    assert note.headings == (Heading(1, "Para", Range(0, 0, 1, 3)),)


def test_dash_underline_makes_level_two_heading() -> None:
    note = parse("intro\n\nPara\n---\n")
    assert note.headings == (Heading(2, "Para", Range(2, 0, 3, 3)),)


def test_setext_underline_may_be_indented_and_have_trailing_spaces() -> None:
    assert headings("a\n  ===  \nb\n   -\n") == [(1, "a"), (2, "b")]


def test_setext_underline_on_crlf_range_stops_before_the_line_break() -> None:
    note = parse("Line\r\n===\r\n")
    assert note.headings == (Heading(1, "Line", Range(0, 0, 1, 3)),)


@pytest.mark.parametrize(
    "text",
    [
        "- item\n---",
        "* item\n===",
        "1. item\n---",
        "2) item\n---",
        "> quote\n===",
        "# H\n---",
        "| t |\n---",
        "    code\n---",
        "Para\n\n---",
        "\n---",
        "Para\n= =",
        "```\nx\n```\n---",
    ],
)
def test_underline_after_non_paragraph_line_is_not_a_heading(text: str) -> None:
    note = parse(text)
    assert [h for h in note.headings if h.range.end_line != h.range.start_line] == []


def test_underline_right_after_frontmatter_is_not_a_heading() -> None:
    assert headings("---\na: b\n---\n===\n") == []


def test_paragraph_after_frontmatter_can_be_setext_heading() -> None:
    note = parse("---\na: b\n---\nPara\n---\n")
    assert note.headings == (Heading(2, "Para", Range(3, 0, 4, 3)),)


def test_setext_and_atx_headings_are_in_document_order() -> None:
    assert headings("# A\n\nB\n===\n\n## C\n\nD\n---\n") == [(1, "A"), (1, "B"), (2, "C"), (2, "D")]


# Block ids


def test_block_id_at_end_of_line() -> None:
    note = parse("text ^id-1")
    assert note.blocks == (Block("id-1", Range(0, 5, 0, 10)),)


def test_block_id_alone_on_a_line() -> None:
    note = parse("para\n\n^solo\n")
    assert note.blocks == (Block("solo", Range(2, 0, 2, 5)),)


def test_block_id_with_trailing_spaces_and_crlf() -> None:
    note = parse("x ^a  \r\ny ^b\r\n")
    assert note.blocks == (Block("a", Range(0, 2, 0, 4)), Block("b", Range(1, 2, 1, 4)))


@pytest.mark.parametrize(
    "text",
    ["not^inline", "^id and more", "`x ^code`", "```\n^fenced\n```", "^bad_id", "^", "x ^"],
)
def test_not_a_block_id(text: str) -> None:
    assert parse(text).blocks == ()


def test_block_id_after_emoji_counts_utf16_units() -> None:
    assert parse("😀 ^b").blocks == (Block("b", Range(0, 3, 0, 5)),)


# Tasks


@pytest.mark.parametrize(
    ("text", "status", "done", "words"),
    [
        ("- [ ] open", " ", False, "open"),
        ("* [x] done", "x", True, "done"),
        ("+ [X] upper", "X", True, "upper"),
        ("1. [ ] numbered", " ", False, "numbered"),
        ("2) [ ] paren", " ", False, "paren"),
        ("- [-] cancelled", "-", False, "cancelled"),
        ("- [>] forwarded", ">", False, "forwarded"),
        ("- [?] question", "?", False, "question"),
    ],
)
def test_task_status_and_text(text: str, status: str, done: bool, words: str) -> None:
    note = parse(text)
    assert note.tasks == (Task(status, done, words, (), Range(0, 0, 0, len(text))),)


def test_indented_task_range_starts_at_the_marker() -> None:
    note = parse("- parent\n    - [x] child")
    assert note.tasks == (Task("x", True, "child", (), Range(1, 4, 1, 15)),)


def test_task_with_empty_text() -> None:
    note = parse("- [ ]\n- [ ]   \n")
    assert [t.text for t in note.tasks] == ["", ""]
    assert note.tasks[0].range == Range(0, 0, 0, 5)
    assert note.tasks[1].range.start_line == 1


def test_task_text_is_stripped_and_range_excludes_trailing_spaces() -> None:
    note = parse("- [x]   spaced   ")
    assert note.tasks == (Task("x", True, "spaced", (), Range(0, 0, 0, 14)),)


def test_tags_in_a_task_are_captured() -> None:
    note = parse("- [ ] call #home and #errand/shop\n#other")
    assert note.tasks[0].tags == ("home", "errand/shop")


def test_tags_on_other_lines_are_not_in_the_task() -> None:
    note = parse("#before\n- [ ] task\n#after")
    assert note.tasks[0].tags == ()


def test_tags_in_code_within_a_task_are_not_captured() -> None:
    note = parse("- [ ] run `#notag` #tag")
    assert note.tasks[0].tags == ("tag",)


def test_task_with_link_keeps_the_link() -> None:
    note = parse("- [ ] see [[Link]] #t")
    assert [lk.target for lk in note.links] == ["Link"]
    assert note.tasks[0].text == "see [[Link]] #t"
    assert note.tasks[0].tags == ("t",)


@pytest.mark.parametrize(
    "text", ["-[ ] no space", "- [] empty", "- [ab] two", "[ ] no marker", "```\n- [ ] fenced\n```"]
)
def test_not_a_task(text: str) -> None:
    assert parse(text).tasks == ()


def test_tasks_on_crlf_lines() -> None:
    note = parse("- [ ] a\r\n- [x] b\r\n")
    assert [(t.text, t.range) for t in note.tasks] == [
        ("a", Range(0, 0, 0, 7)),
        ("b", Range(1, 0, 1, 7)),
    ]


def test_task_after_frontmatter() -> None:
    note = parse("---\na: 1\n---\n- [ ] t")
    assert note.tasks == (Task(" ", False, "t", (), Range(3, 0, 3, 7)),)


# Title and type


def test_title_from_frontmatter_wins_over_heading_and_file_name() -> None:
    assert parse("---\ntitle: ' Front '\n---\n# Heading").title == "Front"


def test_title_from_first_level_one_heading() -> None:
    assert parse("## Two\n# First\n# Second").title == "First"


def test_title_from_setext_level_one_heading() -> None:
    assert parse("Setext\n===").title == "Setext"


def test_empty_level_one_heading_is_skipped_for_title() -> None:
    assert parse("#\n# Real").title == "Real"


def test_title_falls_back_to_file_name() -> None:
    assert parse("## Only level two", "Folder/My Note.md").title == "My Note"


def test_numeric_frontmatter_title_is_used_as_text() -> None:
    assert parse("---\ntitle: 42\n---\n").title == "42"


@pytest.mark.parametrize("value", ["true", "[x]", "{a: 1}", "''", "'  '", "~"])
def test_unusable_frontmatter_title_falls_back_to_heading(value: str) -> None:
    assert parse(f"---\ntitle: {value}\n---\n# H").title == "H"


def test_type_comes_from_frontmatter() -> None:
    assert parse("---\ntype: scene\n---\n").type == "scene"
    assert parse("no frontmatter").type is None


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("Note.md", "Note"),
        ("a/b/My Note.md", "My Note"),
        ("a/b.c/Note.v2.md", "Note.v2"),
        ("Readme", "Readme"),
    ],
)
def test_note_name_is_file_name_without_extension(path: str, name: str) -> None:
    assert note_name(path) == name
