"""Parsing a note from raw bytes: UTF-8 decoding, invalid bytes and binary files."""

from __future__ import annotations

import pytest

from vespera.vault.model import Problem, Range
from vespera.vault.parser import parse_bytes, parse_text
from vespera.vault.positions import LineIndex


def test_valid_utf8_parses_like_text() -> None:
    data = "---\ntags: [a]\n---\n# Café #b [[L]]\n".encode()
    assert parse_bytes("N.md", data) == parse_text("N.md", data.decode())


def test_utf8_byte_order_mark_is_dropped() -> None:
    note = parse_bytes("N.md", b"\xef\xbb\xbf#x\n# T")
    assert note.title == "T"
    assert note.tags[0].range == Range(0, 0, 0, 2)
    assert note.problems == ()


def test_invalid_utf8_is_an_error_naming_byte_offset_and_line() -> None:
    note = parse_bytes("N.md", b"ok #a\nline2 \xff #b\n")
    assert len(note.problems) == 1
    bad = note.problems[0]
    assert (bad.code, bad.severity) == ("invalid-utf8", "error")
    assert "byte 12" in bad.message
    assert "line 2" in bad.message
    assert bad.range is not None
    assert bad.range.start_line == 1


def test_invalid_utf8_text_is_still_parsed_with_replacement_characters() -> None:
    note = parse_bytes("N.md", b"---\ntitle: \xe9t\xe9\n---\n#a \xff [[L]]\n- [ ] t\n")
    assert note.title == "\ufffdt\ufffd"
    assert [t.name for t in note.tags] == ["a"]
    assert [lk.target for lk in note.links] == ["L"]
    assert len(note.tasks) == 1
    assert [p.code for p in note.problems] == ["invalid-utf8"]


def test_only_the_first_invalid_byte_is_reported() -> None:
    note = parse_bytes("N.md", b"\n\n\xc3(\n\xff")
    assert [p.code for p in note.problems] == ["invalid-utf8"]
    assert "byte 2" in note.problems[0].message
    assert "line 3" in note.problems[0].message


def test_truncated_multibyte_sequence_at_end_is_invalid() -> None:
    note = parse_bytes("N.md", b"#ok \xe6\x97")
    assert [p.code for p in note.problems] == ["invalid-utf8"]
    assert [t.name for t in note.tags] == ["ok"]


@pytest.mark.parametrize(
    ("data", "line"),
    [(b"a\r\nb\r\n\xff", 2), (b"a\rb\r\xff", 2), (b"a\nb\r\xff", 2)],
)
def test_invalid_utf8_line_counts_every_kind_of_line_break(data: bytes, line: int) -> None:
    note = parse_bytes("N.md", data)
    bad = note.problems[0]
    assert f"(line {line + 1})" in bad.message
    assert bad.range is not None
    assert bad.range.start_line == line


@pytest.mark.parametrize("data", [b"\xe9", b"a\n\xff", b"\xff\n"])
def test_invalid_utf8_range_stays_inside_the_document(data: bytes) -> None:
    note = parse_bytes("N.md", data)
    bad = note.problems[0]
    lines = LineIndex(data.decode("utf-8", errors="replace"))
    assert bad.range is not None
    assert bad.range.end_line < lines.line_count


def test_nul_byte_marks_a_binary_file_indexed_by_name_only() -> None:
    note = parse_bytes("Folder/Pic.md", b"#tag [[Link]]\x00\x01\x02")
    assert note.title == "Pic"
    assert (note.tags, note.links, note.headings, note.tasks) == ((), (), (), ())
    assert note.frontmatter == {}
    assert note.problems == (
        Problem(
            "binary-file",
            "This file holds binary data, not text; only its name is indexed.",
            "error",
        ),
    )


def test_binary_check_wins_over_invalid_utf8() -> None:
    note = parse_bytes("N.md", b"\xff\x00")
    assert [p.code for p in note.problems] == ["binary-file"]


def test_nul_far_into_a_large_file_does_not_make_it_binary() -> None:
    note = parse_bytes("N.md", b"#t\n" + b"x" * 9000 + b"\x00")
    assert [t.name for t in note.tags] == ["t"]
    assert note.problems == ()


def test_empty_file_is_an_empty_note() -> None:
    note = parse_bytes("Empty.md", b"")
    assert note.title == "Empty"
    assert note.problems == ()
