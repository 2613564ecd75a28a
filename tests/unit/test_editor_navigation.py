"""What is under the cursor, the part of a tag's range that spells it, and a note's outline."""

from __future__ import annotations

from typing import TypeAlias

import pytest

from vespera.editor.navigation import OutlineEntry, element_at, name_range, outline, utf16_length
from vespera.vault.model import Heading, Link, ParsedNote, Range, Tag
from vespera.vault.parser import parse_text


def parse(text: str) -> ParsedNote:
    return parse_text("Notes/Note.md", text)


Tree: TypeAlias = list[tuple[str, Range, "Tree"]]


def tree(entries: list[OutlineEntry]) -> Tree:
    """The outline as (heading text, section, children), for comparison."""
    return [(e.heading.text, e.section, tree(e.children)) for e in entries]


# Element under the cursor

NOTE = parse("# Title\nSee [[Alice#Intro]] and #mood/calm here\n😀 #café [[Bob]]\n")


@pytest.mark.parametrize("character", [4, 10, 19])
def test_link_is_found_from_its_start_to_its_end(character: int) -> None:
    found = element_at(NOTE, 1, character)
    assert isinstance(found, Link)
    assert (found.target, found.heading) == ("Alice", "Intro")


@pytest.mark.parametrize("character", [24, 28, 34])
def test_tag_is_found_from_its_hash_to_its_end(character: int) -> None:
    found = element_at(NOTE, 1, character)
    assert isinstance(found, Tag)
    assert found.name == "mood/calm"


def test_heading_is_found_on_its_line() -> None:
    found = element_at(NOTE, 0, 3)
    assert isinstance(found, Heading)
    assert found.text == "Title"


def test_plain_text_holds_no_element() -> None:
    assert element_at(NOTE, 1, 21) is None
    assert element_at(NOTE, 1, 37) is None
    assert element_at(NOTE, 9, 0) is None


def test_columns_after_an_emoji_are_utf16_units() -> None:
    # "😀 " is three UTF-16 units: the tag starts at column 3, the link at 9.
    tag = element_at(NOTE, 2, 3)
    assert isinstance(tag, Tag)
    assert tag.name == "café"
    assert element_at(NOTE, 2, 2) is None
    link = element_at(NOTE, 2, 9)
    assert isinstance(link, Link)
    assert link.target == "Bob"


def test_link_inside_a_heading_wins_over_the_heading() -> None:
    note = parse("# About [[Alice]]\n")
    assert isinstance(element_at(note, 0, 10), Link)
    assert isinstance(element_at(note, 0, 3), Heading)


def test_tag_inside_a_heading_wins_over_the_heading() -> None:
    note = parse("# Plans #idea\n")
    assert isinstance(element_at(note, 0, 10), Tag)


def test_frontmatter_tag_is_found_in_its_list() -> None:
    note = parse("---\ntags: [alpha, beta]\n---\n")
    found = element_at(note, 1, 15)
    assert isinstance(found, Tag)
    assert found.name == "beta"


# Tag name ranges


@pytest.mark.parametrize(("text", "length"), [("abc", 3), ("café", 4), ("😀", 2), ("a𝄞b", 4)])
def test_utf16_length(text: str, length: int) -> None:
    assert utf16_length(text) == length


def test_name_range_of_an_inline_tag_leaves_out_the_hash() -> None:
    (tag,) = parse("x #mood/calm").tags
    assert tag.range == Range(0, 2, 0, 12)
    assert name_range(tag.range, tag.name) == Range(0, 3, 0, 12)


def test_name_range_counts_astral_characters_as_two_units() -> None:
    (tag,) = parse("😀 #café").tags
    assert name_range(tag.range, tag.name) == Range(0, 4, 0, 8)


def test_name_range_of_a_quoted_frontmatter_tag_leaves_out_hash_and_quote() -> None:
    (tag,) = parse('---\ntags: ["#mood"]\n---\n').tags
    assert name_range(tag.range, tag.name) == Range(1, 9, 1, 13)


def test_name_range_of_a_plain_frontmatter_tag_is_its_range() -> None:
    (tag,) = parse("---\ntags:\n  - idea\n---\n").tags
    assert name_range(tag.range, tag.name) == tag.range == Range(2, 4, 2, 8)


# Outline


def test_outline_nests_headings_by_level() -> None:
    text = "# A\ntext\n## B\n### C\n## D\n# E\nlast\n"
    assert tree(outline(parse(text), 7)) == [
        (
            "A",
            Range(0, 0, 5, 0),
            [
                ("B", Range(2, 0, 4, 0), [("C", Range(3, 0, 4, 0), [])]),
                ("D", Range(4, 0, 5, 0), []),
            ],
        ),
        ("E", Range(5, 0, 7, 0), []),
    ]


def test_outline_section_runs_to_the_end_of_the_note() -> None:
    assert tree(outline(parse("intro\n## Only\none\ntwo"), 4)) == [("Only", Range(1, 0, 4, 0), [])]


def test_outline_deeper_heading_before_the_first_top_one_is_a_root() -> None:
    assert tree(outline(parse("### Deep\n# Top\n## Sub\n"), 3)) == [
        ("Deep", Range(0, 0, 1, 0), []),
        ("Top", Range(1, 0, 3, 0), [("Sub", Range(2, 0, 3, 0), [])]),
    ]


def test_outline_skipped_levels_still_nest() -> None:
    entries = outline(parse("# A\n### C\n## B\n"), 3)
    assert tree(entries) == [
        (
            "A",
            Range(0, 0, 3, 0),
            [("C", Range(1, 0, 2, 0), []), ("B", Range(2, 0, 3, 0), [])],
        )
    ]


def test_outline_of_consecutive_headings_gives_each_its_own_line() -> None:
    assert tree(outline(parse("# A\n# B\n"), 2)) == [
        ("A", Range(0, 0, 1, 0), []),
        ("B", Range(1, 0, 2, 0), []),
    ]


def test_outline_includes_setext_headings_and_skips_code() -> None:
    text = "Title\n=====\n```\n# not a heading\n```\nSub\n---\n"
    assert tree(outline(parse(text), 7)) == [
        ("Title", Range(0, 0, 7, 0), [("Sub", Range(5, 0, 7, 0), [])])
    ]


def test_outline_of_a_note_without_headings_is_empty() -> None:
    assert outline(parse("just text\n#tag"), 2) == []
