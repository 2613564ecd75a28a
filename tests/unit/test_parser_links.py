"""Wikilinks, embeds and markdown links in a note's body, with exact ranges."""

from __future__ import annotations

import pytest

from vespera.vault.model import Link, ParsedNote, Range
from vespera.vault.parser import parse_text
from vespera.vault.syntax import parse_wikilink_inner


def parse(text: str) -> ParsedNote:
    return parse_text("Notes/Note.md", text)


def only_link(text: str) -> Link:
    links = parse(text).links
    assert len(links) == 1, links
    return links[0]


def fields(link: Link) -> tuple[str, str | None, str | None, str | None, bool]:
    return (link.target, link.heading, link.block, link.alias, link.embed)


# Wikilinks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[Note]]", ("Note", None, None, None, False)),
        ("[[Note|alias]]", ("Note", None, None, "alias", False)),
        ("[[Note#Heading]]", ("Note", "Heading", None, None, False)),
        ("[[Note#^block]]", ("Note", None, "block", None, False)),
        ("[[Note#Heading|alias]]", ("Note", "Heading", None, "alias", False)),
        ("[[Note#^blk|alias]]", ("Note", None, "blk", "alias", False)),
        ("[[#Heading]]", ("", "Heading", None, None, False)),
        ("[[#^block]]", ("", None, "block", None, False)),
        ("[[Folder/Note]]", ("Folder/Note", None, None, None, False)),
        ("[[Note.md]]", ("Note.md", None, None, None, False)),
        ("[[ Note ]]", ("Note", None, None, None, False)),
        ("[[Note # Heading ]]", ("Note", "Heading", None, None, False)),
        ("[[Note|]]", ("Note", None, None, None, False)),
        ("[[Note#]]", ("Note", None, None, None, False)),
        ("[[Café 日本]]", ("Café 日本", None, None, None, False)),
        ("![[Image.png]]", ("Image.png", None, None, None, True)),
        ("![[Note#Heading]]", ("Note", "Heading", None, None, True)),
        ("![[N#^b|x]]", ("N", None, "b", "x", True)),
    ],
)
def test_wikilink_parts(
    text: str, expected: tuple[str, str | None, str | None, str | None, bool]
) -> None:
    link = only_link(text)
    assert fields(link) == expected
    assert (link.kind, link.field) == ("wikilink", None)


def test_escaped_pipe_in_table_separates_alias() -> None:
    link = only_link("| a | [[Note\\|alias]] |")
    assert fields(link) == ("Note", None, None, "alias", False)
    assert link.range == Range(0, 6, 0, 21)


def test_escaped_pipe_after_heading_in_table() -> None:
    link = only_link("| [[Note#H\\|alias]] |")
    assert fields(link) == ("Note", "H", None, "alias", False)


@pytest.mark.parametrize("text", ["[[]]", "[[ ]]", "[[#]]", "[[#^]]", "[[ | x]]", "[[|]]"])
def test_empty_wikilink_is_not_a_link(text: str) -> None:
    assert parse(text).links == ()


def test_wikilink_does_not_span_lines() -> None:
    assert parse("[[a\n]]").links == ()
    assert parse("[[a\r\nb]]").links == ()


def test_brackets_inside_wikilink_break_it() -> None:
    assert [lk.target for lk in parse("[[a[b]] [[c]]").links] == ["c"]


def test_wikilink_in_code_is_ignored() -> None:
    note = parse("`[[code]]` [[real]]\n```\n[[fenced]]\n```\n")
    assert [lk.target for lk in note.links] == ["real"]


def test_wikilink_ranges_cover_brackets_and_embed_mark() -> None:
    links = parse("x [[A]] ![[B]]\n  [[C|c]]").links
    assert [lk.range for lk in links] == [Range(0, 2, 0, 7), Range(0, 8, 0, 14), Range(1, 2, 1, 9)]


def test_wikilink_range_after_emoji_counts_utf16_units() -> None:
    link = only_link("😀 [[A]]")
    assert link.range == Range(0, 3, 0, 8)


def test_wikilink_at_start_of_body_after_frontmatter() -> None:
    link = only_link("---\na: 1\n---\n[[A]]")
    assert link.range == Range(3, 0, 3, 5)


def test_embed_at_start_of_body_after_frontmatter() -> None:
    link = only_link("---\na: 1\n---\n![[A]]")
    assert link.embed
    assert link.range == Range(3, 0, 3, 6)


def test_wikilinks_in_body_are_in_order() -> None:
    links = parse("[[B]] then [[A]]\n[[C]]").links
    assert [lk.target for lk in links] == ["B", "A", "C"]


# Markdown links


def test_markdown_link_to_local_md_file() -> None:
    link = only_link("[Text](Other.md)")
    assert fields(link) == ("Other.md", None, None, "Text", False)
    assert (link.kind, link.field) == ("markdown", None)
    assert link.range == Range(0, 0, 0, 16)


def test_markdown_link_is_url_decoded() -> None:
    link = only_link("[t](My%20Note.md)")
    assert link.target == "My Note.md"


def test_markdown_link_in_angle_brackets_may_hold_spaces() -> None:
    link = only_link("[u](<My Note.md>)")
    assert link.target == "My Note.md"
    assert link.range == Range(0, 0, 0, 17)


def test_markdown_link_fragment_is_a_heading_and_decoded() -> None:
    link = only_link("[v](x.md#Sec%20A)")
    assert (link.target, link.heading, link.block) == ("x.md", "Sec A", None)


def test_markdown_link_caret_fragment_is_a_block() -> None:
    link = only_link("[v](x.md#^blk)")
    assert (link.heading, link.block) == (None, "blk")


def test_markdown_embed() -> None:
    link = only_link("![e](e.md)")
    assert link.embed
    assert link.range == Range(0, 0, 0, 10)


def test_markdown_link_path_is_normalised() -> None:
    assert only_link("[v](sub/../x.md)").target == "x.md"
    assert only_link("[v](./a/./b.md)").target == "a/b.md"


def test_markdown_link_keeps_relative_parent_path() -> None:
    assert only_link("[r](../up.md)").target == "../up.md"


def test_markdown_link_extension_is_case_insensitive() -> None:
    assert only_link("[r](Up.MD)").target == "Up.MD"


def test_markdown_link_with_title() -> None:
    link = only_link('[r](a.md "A title")')
    assert link.target == "a.md"
    assert link.range == Range(0, 0, 0, 19)


def test_markdown_link_with_empty_text_has_no_alias() -> None:
    assert only_link("[](a.md)").alias is None


@pytest.mark.parametrize(
    "text",
    [
        "[w](http://x.com/a.md)",
        "[w](https://x.md)",
        "[m](mailto:a@b.md)",
        "[f](file:///c/a.md)",
        "[o](obsidian://open?file=a.md)",
        "[p](pic.png)",
        "[p](doc.pdf)",
        "[q](#anchor)",
        "[e]()",
        "[d](folder/)",
    ],
)
def test_markdown_link_to_url_or_non_markdown_file_is_not_a_link(text: str) -> None:
    assert parse(text).links == ()


def test_markdown_link_in_code_is_ignored() -> None:
    assert parse("`[a](a.md)`\n```\n[b](b.md)\n```\n").links == ()


def test_markdown_link_range_after_emoji() -> None:
    assert only_link("😀[a](a.md)").range == Range(0, 2, 0, 11)


def test_wikilinks_come_before_markdown_links() -> None:
    links = parse("[m](m.md) [[w]]").links
    assert [(lk.target, lk.kind) for lk in links] == [("w", "wikilink"), ("m.md", "markdown")]


# parse_wikilink_inner directly


def test_parse_wikilink_inner_keeps_kind_field_and_span() -> None:
    span = Range(1, 2, 3, 4)
    link = parse_wikilink_inner("A#H|x", True, "frontmatter", "related", span)
    assert link == Link("A", "H", None, "x", True, "frontmatter", "related", span)


def test_parse_wikilink_inner_splits_alias_at_first_pipe() -> None:
    link = parse_wikilink_inner("A|x|y", False, "wikilink", None, Range(0, 0, 0, 0))
    assert link is not None
    assert link.alias == "x|y"


def test_parse_wikilink_inner_splits_heading_at_first_hash() -> None:
    link = parse_wikilink_inner("A#B#C", False, "wikilink", None, Range(0, 0, 0, 0))
    assert link is not None
    assert (link.target, link.heading) == ("A", "B#C")


def test_parse_wikilink_inner_returns_none_for_nothing() -> None:
    assert parse_wikilink_inner("  ", False, "wikilink", None, Range(0, 0, 0, 0)) is None
