"""Inline ``#tags`` in a note's body, and the shared tag rules of :func:`clean_tag`."""

from __future__ import annotations

import pytest

from vespera.vault.model import ParsedNote, Range, Tag
from vespera.vault.parser import parse_text
from vespera.vault.syntax import clean_tag, make_tag


def parse(text: str) -> ParsedNote:
    return parse_text("Notes/Note.md", text)


def names(text: str) -> list[str]:
    return [t.name for t in parse(text).tags]


def only_tag(text: str) -> Tag:
    tags = parse(text).tags
    assert len(tags) == 1, tags
    return tags[0]


# What a tag may hold


@pytest.mark.parametrize(
    "name",
    [
        "tag",
        "café",
        "日本語",
        "Привет",
        "e\u0301t",  # e + combining acute accent
        "y2024",
        "2024y",
        "a_b",
        "a-b",
        "_private",
        "a/b/c",
        "mood:tense",
        "ünïcödé/日本",
    ],
)
def test_tag_characters_are_kept_whole(name: str) -> None:
    tag = only_tag(f"text #{name} more")
    assert tag.name == name
    assert tag.source == "inline"


def test_tag_after_combining_accent_has_range_in_code_units() -> None:
    tag = only_tag("#e\u0301t")
    assert tag.range == Range(0, 0, 0, 4)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("#a.b", "a"),
        ("#a,b", "a"),
        ("#x!", "x"),
        ("#q?", "q"),
        ("#a;b", "a"),
        ("#a'b", "a"),
        ('#a"b', "a"),
        ("#a(b)", "a"),
        ("#a[b]", "a"),
        ("#a*b", "a"),
        ("#a+b", "a"),
        ("#a=b", "a"),
        ("#a@b", "a"),
        ("#a|b", "a"),
        ("#a~b", "a"),
        ("#a\\b", "a"),
        ("#é.b", "é"),
        ("#tag—dash", "tag"),
        ("#tag…", "tag"),
        ("#a😀", "a"),
    ],
)
def test_tag_stops_at_punctuation_and_symbols(text: str, name: str) -> None:
    assert names(text) == [name]


def test_tag_stops_at_next_hash_and_the_rest_is_not_a_tag() -> None:
    assert names("#x#y #a#b") == ["x", "a"]


@pytest.mark.parametrize("text", ["#123", "#2024", "#1/2", "#1:2", "#/a", "#:a", "#", "# "])
def test_digits_only_or_separator_first_is_not_a_tag(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(("text", "name"), [("#end:", "end"), ("#end/", "end"), ("#a//", "a")])
def test_trailing_colon_and_slash_are_dropped(text: str, name: str) -> None:
    tag = only_tag(text)
    assert tag.name == name
    assert tag.range == Range(0, 0, 0, 1 + len(name))


def test_key_value_tag_is_split_at_first_colon() -> None:
    tag = only_tag("#mood:tense")
    assert (tag.key, tag.value) == ("mood", "tense")


def test_key_value_tag_with_several_colons_keeps_the_rest_in_value() -> None:
    tag = only_tag("#a:b:c")
    assert (tag.name, tag.key, tag.value) == ("a:b:c", "a", "b:c")


def test_tag_without_colon_has_no_key_or_value() -> None:
    tag = only_tag("#plain")
    assert (tag.key, tag.value) == (None, None)


def test_norm_is_case_folded_and_name_is_as_written() -> None:
    tags = parse("#Tag #TAG #Straße").tags
    assert [(t.name, t.norm) for t in tags] == [
        ("Tag", "tag"),
        ("TAG", "tag"),
        ("Straße", "strasse"),
    ]


# Where a tag may stand


@pytest.mark.parametrize("text", ["word#tag", "a.#tag", "😀#x", "[[A]]#t", "`x`#t", "[a](b.md)#t"])
def test_hash_right_after_a_non_space_character_is_not_a_tag(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize("text", ["#t", " #t", "\t#t", "x\n#t", "x\r\n#t", "x\r#t", "(\n#t"])
def test_tag_at_line_start_or_after_white_space(text: str) -> None:
    assert names(text) == ["t"]


def test_escaped_hash_is_not_a_tag() -> None:
    assert names("\\#escaped and #real") == ["real"]


def test_atx_heading_marker_is_not_a_tag() -> None:
    note = parse("# Title\n## Sub")
    assert note.tags == ()
    assert [h.text for h in note.headings] == ["Title", "Sub"]


def test_tag_inside_a_heading_is_a_tag() -> None:
    tag = only_tag("# Title with #tag")
    assert tag.range == Range(0, 13, 0, 17)


def test_tags_are_listed_in_order_with_duplicates_kept() -> None:
    assert names("#b #a #b") == ["b", "a", "b"]


# Code, links and URLs hide tags


def test_tag_in_backtick_fence_is_ignored() -> None:
    assert names("```\n#in\n```\n#out") == ["out"]


def test_tag_in_tilde_fence_is_ignored() -> None:
    assert names("~~~\n#in\n~~~\n#out") == ["out"]


def test_fence_with_info_string_hides_tags() -> None:
    assert names("```python\n#in\n```\n#out") == ["out"]


def test_fence_closes_only_with_a_bare_fence_line() -> None:
    assert names("```\n#in\n``` not a close\n#in2\n```\n#out") == ["out"]


def test_longer_fence_is_not_closed_by_shorter_one() -> None:
    assert names("````\n#in\n```\n#in2\n````\n#out") == ["out"]


def test_longer_closing_fence_closes() -> None:
    assert names("```\n#in\n`````\n#out") == ["out"]


def test_tilde_fence_is_not_closed_by_backticks() -> None:
    assert names("~~~~\n#in\n```\n#in2\n~~~~\n#out") == ["out"]


def test_backtick_fence_is_not_closed_by_tildes() -> None:
    assert names("```\n#in\n~~~\n#in2\n```\n#out") == ["out"]


def test_unclosed_fence_hides_tags_to_end_of_file() -> None:
    assert names("#before\n```\n#in\n\n#still in\n") == ["before"]


def test_fence_indented_up_to_three_spaces_hides_tags() -> None:
    assert names("   ```\n#in\n   ```\n#out") == ["out"]


def test_four_space_indented_backticks_do_not_open_a_fence() -> None:
    assert names("    ```\n#out") == ["out"]


def test_fence_with_crlf_line_endings_hides_tags() -> None:
    assert names("```\r\n#in\r\n```\r\n#out") == ["out"]


def test_several_fences_each_hide_their_tags() -> None:
    assert names("```\n#a\n```\n#b\n~~~\n#c\n~~~\n#d") == ["b", "d"]


def test_tag_in_inline_code_is_ignored() -> None:
    assert names("`#code` #out") == ["out"]


def test_tag_in_double_backtick_code_span_is_ignored() -> None:
    assert names("``a ` #in b`` #out") == ["out"]


def test_unclosed_backtick_does_not_hide_tags() -> None:
    assert names("`unclosed #out") == ["out"]


def test_url_fragment_is_not_a_tag() -> None:
    assert names("see https://x.com/a#frag and #ok") == ["ok"]


def test_url_with_hash_after_slash_is_not_a_tag() -> None:
    assert names("https://x.com/ #ok https://a.b/c?d= #e https://a.b/#f") == ["ok", "e"]


def test_wikilink_heading_is_not_a_tag() -> None:
    assert names("[[Note#Heading]] [[#Local]] ![[Pic#x]] #ok") == ["ok"]


def test_markdown_anchor_link_is_not_a_tag() -> None:
    assert names("[x](#a) [y](Other.md#b) #ok") == ["ok"]


def test_tag_in_frontmatter_text_is_not_an_inline_tag() -> None:
    note = parse("---\ntitle: '#nope'\n---\n#yes")
    assert [(t.name, t.source) for t in note.tags] == [("yes", "inline")]


# Ranges


def test_tag_range_covers_hash_and_name() -> None:
    tags = parse("a #x\n#yy\tz #w").tags
    assert [t.range for t in tags] == [Range(0, 2, 0, 4), Range(1, 0, 1, 3), Range(1, 6, 1, 8)]


def test_emoji_before_tag_shifts_column_by_two() -> None:
    tag = only_tag("😀 #y")
    assert tag.range == Range(0, 3, 0, 5)


def test_two_emoji_before_tag_on_later_line() -> None:
    tag = only_tag("😀\n😀😀 #y")
    assert tag.range == Range(1, 5, 1, 7)


def test_bmp_characters_count_one_unit() -> None:
    tag = only_tag("日本 #y")
    assert tag.range == Range(0, 3, 0, 5)


def test_tag_range_on_crlf_lines() -> None:
    tags = parse("a\r\nb #t\r\n#u").tags
    assert [t.range for t in tags] == [Range(1, 2, 1, 4), Range(2, 0, 2, 2)]


def test_tag_range_after_frontmatter() -> None:
    tag = only_tag("---\na: 1\n---\n  #t")
    assert tag.range == Range(3, 2, 3, 4)


# clean_tag and make_tag directly


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("tag", "tag"),
        ("a/", "a"),
        ("a:", "a"),
        ("a/:/", "a"),
        ("123", None),
        ("1/2", None),
        ("/a", None),
        (":a", None),
        ("", None),
        ("é.b", "é"),
        ("a\u200bb", "a"),
        ("y2024", "y2024"),
    ],
)
def test_clean_tag(raw: str, expected: str | None) -> None:
    assert clean_tag(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [("a.b", "a"), ("a#b", "a"), ("x!y", "x")])
def test_clean_tag_stops_at_ascii_punctuation_like_at_other_punctuation(
    raw: str, expected: str
) -> None:
    assert clean_tag(raw) == expected


def test_make_tag_splits_key_value_and_folds_case() -> None:
    span = Range(0, 0, 0, 1)
    assert make_tag("Mood:Tense", "inline", span) == Tag(
        "Mood:Tense", "mood:tense", "Mood", "Tense", "inline", span
    )
