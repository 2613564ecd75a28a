"""Frontmatter: finding the block, safe YAML loading, problems, and ranges of tags and links."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vespera.vault.frontmatter import read_frontmatter, to_plain
from vespera.vault.model import ParsedNote, Problem, Range
from vespera.vault.parser import parse_text
from vespera.vault.positions import LineIndex

SERVER_DIR = Path(__file__).resolve().parents[2] / "server"


def parse(text: str) -> ParsedNote:
    return parse_text("Notes/Note.md", text)


def codes(note: ParsedNote) -> list[str]:
    return [p.code for p in note.problems]


def problem(note: ParsedNote, code: str) -> Problem:
    found = [p for p in note.problems if p.code == code]
    assert len(found) == 1, note.problems
    return found[0]


def tag_names(note: ParsedNote, source: str = "frontmatter") -> list[str]:
    return [t.name for t in note.tags if t.source == source]


# Detection


def test_block_opened_and_closed_by_dashes_is_read() -> None:
    note = parse("---\ntitle: T\n---\nbody")
    assert note.frontmatter == {"title": "T"}
    assert note.frontmatter_range == Range(0, 0, 2, 3)
    assert note.problems == ()


def test_block_may_close_with_three_dots() -> None:
    note = parse("---\ntitle: T\n...\n#body")
    assert note.frontmatter == {"title": "T"}
    assert note.frontmatter_range == Range(0, 0, 2, 3)
    assert tag_names(note, "inline") == ["body"]


def test_block_closing_at_end_of_file_without_newline_is_read() -> None:
    note = parse("---\na: 1\n---")
    assert note.frontmatter == {"a": 1}
    assert note.frontmatter_range == Range(0, 0, 2, 3)


def test_trailing_spaces_after_opening_and_closing_dashes_are_allowed() -> None:
    note = parse("--- \na: 1\n---  \n")
    assert note.frontmatter == {"a": 1}


def test_dashes_not_on_first_line_are_not_frontmatter() -> None:
    note = parse("\n---\na: b\n---\n")
    assert note.frontmatter == {}
    assert note.frontmatter_range is None


def test_four_dashes_do_not_open_frontmatter() -> None:
    note = parse("----\na: b\n---\n")
    assert note.frontmatter == {}
    assert note.frontmatter_range is None


def test_text_without_frontmatter_has_no_range_and_no_problems() -> None:
    note = parse("# Title\n\nBody #tag")
    assert note.frontmatter == {}
    assert note.frontmatter_range is None
    assert note.problems == ()


def test_byte_order_mark_before_frontmatter_is_ignored() -> None:
    note = parse("\ufeff---\ntags: a\n---\n")
    assert note.frontmatter == {"tags": "a"}
    assert note.tags[0].range == Range(1, 6, 1, 7)


def test_empty_frontmatter_gives_empty_data_and_no_problem() -> None:
    note = parse("---\n---\n# H")
    assert note.frontmatter == {}
    assert note.frontmatter_range == Range(0, 0, 1, 3)
    assert note.problems == ()
    assert note.title == "H"


def test_frontmatter_of_only_comments_gives_empty_data_and_no_problem() -> None:
    note = parse("---\n# just a comment\n---\n")
    assert note.frontmatter == {}
    assert note.problems == ()


def test_crlf_frontmatter_is_read() -> None:
    note = parse("---\r\ntitle: T\r\ntags: [a]\r\n---\r\nbody #t\r\n")
    assert note.frontmatter == {"title": "T", "tags": ["a"]}
    assert note.problems == ()
    assert note.title == "T"
    assert [(t.name, t.source) for t in note.tags] == [("a", "frontmatter"), ("t", "inline")]
    assert note.tags[0].range == Range(2, 7, 2, 8)
    assert note.frontmatter_range == Range(0, 0, 3, 3)


def test_crlf_frontmatter_closed_by_dots_is_read() -> None:
    note = parse("---\r\ntitle: T\r\n...\r\n")
    assert note.frontmatter == {"title": "T"}
    assert note.problems == ()


def test_crlf_frontmatter_lines_are_not_read_as_a_setext_heading() -> None:
    note = parse("---\r\ntitle: T\r\n---\r\n")
    assert note.headings == ()


# Unclosed block


def test_unclosed_block_is_a_warning_on_the_opening_line_and_read_as_text() -> None:
    note = parse("---\ntags: a\n#body")
    unclosed = problem(note, "frontmatter-unclosed")
    assert unclosed.severity == "warning"
    assert unclosed.range == Range(0, 0, 0, 3)
    assert note.frontmatter == {}
    assert note.frontmatter_range is None
    assert tag_names(note, "inline") == ["body"]
    assert tag_names(note) == []


def test_unclosed_crlf_block_range_stops_before_the_line_break() -> None:
    note = parse("---\r\ntags: a\r\n")
    assert problem(note, "frontmatter-unclosed").range == Range(0, 0, 0, 3)


def test_opening_line_alone_is_unclosed() -> None:
    note = parse("---\n")
    assert codes(note) == ["frontmatter-unclosed"]


# Malformed YAML


def test_malformed_yaml_is_an_error_on_the_offending_line_and_body_is_still_indexed() -> None:
    note = parse("---\ntitle: ok\nbad: [\nmore: x\n---\n#tag [[Link]]\n")
    bad = problem(note, "frontmatter-yaml")
    assert bad.severity == "error"
    assert bad.range is not None
    assert bad.range.start_line == 3
    assert "line 4" in bad.message
    assert note.frontmatter == {}
    assert note.frontmatter_range == Range(0, 0, 4, 3)
    assert tag_names(note, "inline") == ["tag"]
    assert [link.target for link in note.links] == ["Link"]


@pytest.mark.parametrize(
    ("yaml_text", "line"),
    [
        ("a: b: c", 1),
        ("title: ok\n\tbad: x", 2),
        ("a: 1\n  b: 2", 2),
        ("title: ok\nkey: @bad", 2),
        (": x", 1),
    ],
)
def test_malformed_yaml_range_points_at_the_line_of_the_error(yaml_text: str, line: int) -> None:
    note = parse(f"---\n{yaml_text}\n---\n")
    bad = problem(note, "frontmatter-yaml")
    assert bad.range is not None
    assert bad.range.start_line == line
    assert bad.range.end_line == line
    assert f"(line {line + 1})" in bad.message


def test_malformed_yaml_range_on_crlf_line_stops_before_the_line_break() -> None:
    note = parse("---\r\na: b: c\r\nx: 1\r\n---\n")
    assert problem(note, "frontmatter-yaml").range == Range(1, 4, 1, 7)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separator_in_a_quoted_value_does_not_shift_later_ranges(
    separator: str,
) -> None:
    # LSP breaks lines only at \n, \r\n and \r; YAML also breaks at NEL, LS and PS.
    note = parse(f'---\ntitle: "a{separator}b"\ntags: [x]\nrel: "[[L]]"\n---\n')
    assert note.frontmatter["tags"] == ["x"]
    assert [t.range for t in note.tags] == [Range(2, 7, 2, 8)]
    assert [lk.range for lk in note.links] == [Range(3, 6, 3, 11)]


def test_unknown_yaml_tag_on_a_scalar_is_a_problem_not_an_object() -> None:
    note = parse("---\na: !!python/object:os.system x\n---\n#b")
    assert codes(note) == ["frontmatter-yaml"]
    assert note.frontmatter == {}
    assert tag_names(note, "inline") == ["b"]


def test_unknown_yaml_tag_on_a_list_is_read_as_plain_data() -> None:
    note = parse("---\na: !!python/object/apply:os.system ['echo x']\n---\n")
    assert note.frontmatter == {"a": ["echo x"]}


# Non-mapping and duplicate keys


@pytest.mark.parametrize("yaml_text", ["- a\n- b", "just text", "42", "[a, b]"])
def test_frontmatter_that_is_not_a_mapping_is_an_error_and_ignored(yaml_text: str) -> None:
    note = parse(f"---\n{yaml_text}\n---\n#b")
    not_mapping = problem(note, "frontmatter-not-mapping")
    assert not_mapping.severity == "error"
    assert not_mapping.range is not None
    assert not_mapping.range.start_line == 1
    assert note.frontmatter == {}
    assert tag_names(note, "inline") == ["b"]


def test_duplicate_key_keeps_the_last_value_and_warns_on_the_repeat() -> None:
    note = parse("---\na: 1\nb: x\na: 2\n---\n")
    assert note.frontmatter == {"a": 2, "b": "x"}
    dup = problem(note, "frontmatter-duplicate-key")
    assert dup.severity == "warning"
    assert dup.range == Range(3, 0, 3, 1)
    assert "'a'" in dup.message


def test_duplicate_tags_key_takes_tags_from_the_last_one_only() -> None:
    note = parse("---\ntags: [old]\ntags: [new]\n---\n")
    assert tag_names(note) == ["new"]
    assert codes(note) == ["frontmatter-duplicate-key"]


# Values


def test_yaml_dates_and_datetimes_become_iso_strings() -> None:
    note = parse("---\nd: 2024-01-05\nt: 2024-01-05T10:20:30Z\n---\n")
    assert note.frontmatter == {"d": "2024-01-05", "t": "2024-01-05T10:20:30+00:00"}


def test_values_are_plain_json_compatible_data() -> None:
    note = parse(
        "---\nn: 3\nf: 1.5\nb: true\nz: ~\nnan: .nan\nbin: !!binary aGVsbG8=\n"
        "nested: {k: [1, two]}\n---\n"
    )
    assert note.frontmatter == {
        "n": 3,
        "f": 1.5,
        "b": True,
        "z": None,
        "nan": "nan",
        "bin": "aGVsbG8=",
        "nested": {"k": [1, "two"]},
    }


def test_non_string_keys_become_strings() -> None:
    note = parse("---\n1: one\ntrue: yes\n---\n")
    assert note.frontmatter == {"1": "one", "True": True}


def test_merge_keys_are_expanded() -> None:
    note = parse("---\nbase: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n---\n")
    assert note.frontmatter["m"] == {"x": 1, "y": 2}


def test_to_plain_sorts_sets_and_stringifies_infinities() -> None:
    assert to_plain({"s": {"b", "a"}, "i": float("inf"), "t": (1, 2)}) == {
        "s": ["a", "b"],
        "i": "inf",
        "t": [1, 2],
    }


# Hostile YAML: a problem, never an exception or a crash


def test_alias_bomb_is_a_problem_not_a_hang() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    note = parse("---\n" + "\n".join(lines) + "\n---\n#body")
    assert codes(note) == ["frontmatter-yaml"]
    assert note.frontmatter == {}
    assert tag_names(note, "inline") == ["body"]


@pytest.mark.parametrize("yaml_text", ["a: &x [*x]", "a: &x {k: *x}", "a: &x [1, [2, *x]]"])
def test_self_referencing_anchor_is_a_problem(yaml_text: str) -> None:
    note = parse(f"---\n{yaml_text}\n---\n#b")
    assert codes(note) == ["frontmatter-yaml"]
    assert tag_names(note, "inline") == ["b"]


def test_hundred_thousand_deep_flow_nesting_is_a_problem() -> None:
    depth = 100_000
    note = parse("---\na: " + "[" * depth + "]" * depth + "\n---\n#b")
    assert codes(note) == ["frontmatter-yaml"]
    assert str(depth) in note.problems[0].message
    assert tag_names(note, "inline") == ["b"]


def test_hundred_thousand_unclosed_brackets_are_a_problem() -> None:
    note = parse("---\na: " + "{" * 100_000 + "\n---\n#b")
    assert codes(note) == ["frontmatter-yaml"]
    assert tag_names(note, "inline") == ["b"]


def test_moderate_nesting_is_read() -> None:
    note = parse("---\na: " + "[" * 50 + "x" + "]" * 50 + "\n---\n")
    assert "frontmatter-yaml" not in codes(note)
    value = note.frontmatter["a"]
    for _ in range(49):
        value = value[0]
    assert value == ["x"]


def test_oversized_frontmatter_is_a_problem() -> None:
    note = parse("---\na: " + "x" * 300_000 + "\n---\n#b")
    assert codes(note) == ["frontmatter-yaml"]
    assert "KiB" in note.problems[0].message
    assert tag_names(note, "inline") == ["b"]


@pytest.mark.parametrize("indicator", ["- ", "? "])
def test_deeply_nested_block_collections_are_a_problem_not_a_crash(indicator: str) -> None:
    # Block sequences ("- - - x") nest without any bracket and in 2 bytes per level; run in a
    # child process because a C stack overflow in libyaml would kill the test runner itself.
    script = (
        "from vespera.vault.parser import parse_text\n"
        f"note = parse_text('N.md', '---\\n' + {indicator!r} * 100_000 + 'x\\n---\\n#b')\n"
        "print(sorted({p.code for p in note.problems}), [t.name for t in note.tags])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(SERVER_DIR)},
        check=False,
    )
    assert done.returncode == 0, f"parser process died with {done.returncode}: {done.stderr}"
    assert done.stdout.strip() == "['frontmatter-yaml'] ['b']"


# Tags


def test_tags_as_block_list() -> None:
    note = parse("---\ntags:\n  - a\n  - b/c\n---\n")
    assert tag_names(note) == ["a", "b/c"]
    assert [t.range for t in note.tags] == [Range(2, 4, 2, 5), Range(3, 4, 3, 7)]


def test_tags_as_flow_list() -> None:
    note = parse("---\ntags: [a, b]\n---\n")
    assert tag_names(note) == ["a", "b"]
    assert [t.range for t in note.tags] == [Range(1, 7, 1, 8), Range(1, 10, 1, 11)]


def test_tags_as_comma_and_space_separated_string() -> None:
    note = parse("---\ntags: a, b c\n---\n")
    assert tag_names(note) == ["a", "b", "c"]
    assert [t.range for t in note.tags] == [
        Range(1, 6, 1, 7),
        Range(1, 9, 1, 10),
        Range(1, 11, 1, 12),
    ]


def test_repeated_tag_in_one_string_gets_each_occurrence_range() -> None:
    note = parse("---\ntags: ab, b, ab\n---\n")
    assert [(t.name, t.range.start_char) for t in note.tags] == [("ab", 6), ("b", 10), ("ab", 13)]


def test_tag_key_is_an_alias_for_tags() -> None:
    note = parse("---\ntag: x\n---\n")
    assert tag_names(note) == ["x"]


def test_tags_key_is_case_insensitive() -> None:
    note = parse("---\nTags: [X/y]\n---\n")
    assert [(t.name, t.norm) for t in note.tags] == [("X/y", "x/y")]


def test_leading_hash_is_stripped_from_frontmatter_tags() -> None:
    note = parse('---\ntags:\n  - "#b"\n  - "#c/d"\n---\n')
    assert tag_names(note) == ["b", "c/d"]
    assert note.tags[0].range == Range(2, 6, 2, 7)


def test_frontmatter_key_value_tag_is_split() -> None:
    note = parse("---\ntags: [mood:tense]\n---\n")
    tag = note.tags[0]
    assert (tag.name, tag.key, tag.value, tag.source) == (
        "mood:tense",
        "mood",
        "tense",
        "frontmatter",
    )


def test_null_and_numeric_only_tags_are_ignored() -> None:
    note = parse("---\ntags: 2024\ntag: ~\n---\n")
    assert tag_names(note) == []


def test_tag_after_emoji_in_frontmatter_shifts_column_by_two() -> None:
    note = parse('---\ntags: "😀 a"\n---\n')
    assert tag_names(note) == ["a"]
    assert note.tags[0].range == Range(1, 10, 1, 11)


@pytest.mark.parametrize("written", ["a.b", "q#r", "x!y", "p(q)"])
def test_frontmatter_tag_stops_at_ascii_punctuation_like_inline_tags(written: str) -> None:
    note = parse(f'---\ntags: ["{written}"]\n---\n')
    inline = parse(f"#{written}")
    assert tag_names(note) == tag_names(inline, "inline")


# Aliases, title, type


def test_aliases_from_alias_and_aliases_keys_deduplicated() -> None:
    note = parse('---\nalias: [a, b]\naliases:\n  - c\n  - a\n  - ""\n---\n')
    assert note.aliases == ("a", "b", "c")


def test_aliases_as_single_string() -> None:
    note = parse("---\naliases: Old Name\n---\n")
    assert note.aliases == ("Old Name",)


def test_type_is_stripped_and_blank_type_is_none() -> None:
    assert parse('---\ntype: " scene "\n---\n').type == "scene"
    assert parse('---\ntype: "  "\n---\n').type is None
    assert parse("---\ntype: 3\n---\n").type is None


# Links in frontmatter


def test_unquoted_wikilink_gives_link_and_warning() -> None:
    note = parse("---\nrelated: [[Castle]]\n---\n")
    assert [(link.target, link.kind, link.field) for link in note.links] == [
        ("Castle", "frontmatter", "related")
    ]
    assert note.links[0].range == Range(1, 9, 1, 19)
    warning = problem(note, "frontmatter-unquoted-link")
    assert warning.severity == "warning"
    assert warning.range == Range(1, 9, 1, 19)
    assert '"[[Castle]]"' in warning.message


def test_unquoted_wikilinks_in_block_list_keep_alias_and_heading() -> None:
    note = parse("---\nrelated:\n  - [[A]]\n  - [[B|x]]\nother: [[C#h]]\n---\n")
    assert [(lk.target, lk.alias, lk.heading, lk.field) for lk in note.links] == [
        ("A", None, None, "related"),
        ("B", "x", None, "related"),
        ("C", None, "h", "other"),
    ]
    assert codes(note) == ["frontmatter-unquoted-link"] * 3


def test_nested_list_of_two_names_is_not_a_link() -> None:
    note = parse("---\nrel: [[A, B]]\n---\n")
    assert note.links == ()
    assert note.problems == ()


def test_quoted_wikilink_in_string_value() -> None:
    note = parse('---\nrelated: "[[Castle]]"\n---\n')
    link = note.links[0]
    assert (link.target, link.kind, link.field, link.embed) == (
        "Castle",
        "frontmatter",
        "related",
        False,
    )
    assert link.range == Range(1, 10, 1, 20)
    assert note.problems == ()


def test_wikilinks_in_list_values_carry_the_key_as_field() -> None:
    note = parse('---\nlist:\n  - "[[A|x]]"\n  - "![[B#h]]"\n---\n')
    assert [(lk.target, lk.alias, lk.heading, lk.embed, lk.field) for lk in note.links] == [
        ("A", "x", None, False, "list"),
        ("B", None, "h", True, "list"),
    ]
    assert [lk.range for lk in note.links] == [Range(2, 5, 2, 12), Range(3, 5, 3, 13)]


def test_link_in_nested_mapping_uses_the_top_level_key_as_field() -> None:
    note = parse('---\nmeta:\n  rel: "[[X]]"\n---\n')
    assert [(lk.target, lk.field) for lk in note.links] == [("X", "meta")]


def test_two_links_in_one_string_each_get_their_range() -> None:
    note = parse('---\nrel: "[[A]] and [[B]]"\n---\n')
    assert [(lk.target, lk.range) for lk in note.links] == [
        ("A", Range(1, 6, 1, 11)),
        ("B", Range(1, 16, 1, 21)),
    ]


def test_the_same_link_twice_in_one_string_gets_two_ranges() -> None:
    note = parse('---\nrel: "[[A]] and [[A]]"\n---\n')
    assert [lk.range for lk in note.links] == [Range(1, 6, 1, 11), Range(1, 16, 1, 21)]


def test_frontmatter_links_come_before_body_links() -> None:
    note = parse('---\nrel: "[[A]]"\n---\n[[B]]')
    assert [(lk.target, lk.kind) for lk in note.links] == [
        ("A", "frontmatter"),
        ("B", "wikilink"),
    ]


# read_frontmatter directly


def test_read_frontmatter_reports_where_the_body_starts() -> None:
    text = "---\na: 1\n---\nbody"
    front = read_frontmatter(text, LineIndex(text))
    assert text[front.body_start :] == "\nbody"


def test_read_frontmatter_without_block_starts_body_at_zero() -> None:
    text = "body"
    front = read_frontmatter(text, LineIndex(text))
    assert front.body_start == 0
    assert front.range is None
