"""LineIndex: string offsets to LSP positions (zero-based lines, UTF-16 columns) and back."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vespera.vault.model import Range
from vespera.vault.positions import LineIndex

_BREAK = re.compile(r"\r\n|\r|\n")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize(
    ("text", "count"),
    [("", 1), ("a", 1), ("a\n", 2), ("a\nb", 2), ("a\r\nb", 2), ("a\rb\r", 3), ("\n\n", 3)],
)
def test_line_count_includes_the_empty_line_after_a_final_break(text: str, count: int) -> None:
    assert LineIndex(text).line_count == count


def test_positions_with_lf() -> None:
    lines = LineIndex("ab\ncd")
    assert [lines.position(i) for i in range(6)] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]


def test_crlf_is_one_line_break() -> None:
    lines = LineIndex("a\r\nb")
    assert [lines.position(i) for i in range(5)] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    assert lines.line_start(1) == 3


def test_lone_cr_is_a_line_break() -> None:
    lines = LineIndex("a\rb\r")
    assert [lines.position(i) for i in range(5)] == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]


def test_lf_then_cr_is_two_line_breaks() -> None:
    lines = LineIndex("a\n\rb")
    assert lines.line_count == 3
    assert lines.position(3) == (2, 0)


def test_astral_character_counts_two_utf16_units() -> None:
    lines = LineIndex("😀x\n😀")
    assert [lines.position(i) for i in range(5)] == [(0, 0), (0, 2), (0, 3), (1, 0), (1, 2)]


def test_bmp_characters_count_one_unit() -> None:
    lines = LineIndex("é日\u0301x")
    assert lines.position(4) == (0, 4)


def test_astral_characters_on_a_crlf_line() -> None:
    lines = LineIndex("a\r\n𝄞𝄞b")
    assert lines.position(5) == (1, 4)
    assert lines.offset(1, 4) == 5


def test_range_converts_both_ends() -> None:
    lines = LineIndex("😀 ab\ncd")
    assert lines.range(2, 5) == Range(0, 3, 1, 0)


def test_line_of_and_line_start() -> None:
    lines = LineIndex("ab\r\ncd\ref")
    assert [lines.line_of(i) for i in range(9)] == [0, 0, 0, 0, 1, 1, 1, 2, 2]
    assert [lines.line_start(i) for i in range(3)] == [0, 4, 7]


def test_offset_is_the_inverse_of_position() -> None:
    text = "a😀b\r\nc\rd\n\n𝄞"
    lines = LineIndex(text)
    for i in range(len(text) + 1):
        inside_crlf = 0 < i < len(text) and text[i - 1 : i + 1] == "\r\n"
        if not inside_crlf:  # no LSP position names the point between \r and \n
            assert lines.offset(*lines.position(i)) == i


@pytest.mark.parametrize(("line", "character", "offset"), [(-1, 3, 0), (0, -5, 0), (9, 0, 5)])
def test_offset_clamps_positions_outside_the_text(line: int, character: int, offset: int) -> None:
    assert LineIndex("ab\ncd").offset(line, character) == offset


@pytest.mark.parametrize("text", ["ab\ncd", "ab\r\ncd", "ab\rcd", "a😀\ncd", "a😀\r\ncd"])
def test_offset_past_end_of_line_clamps_to_end_of_that_line(text: str) -> None:
    lines = LineIndex(text)
    end_of_first_line = _BREAK.search(text)
    assert end_of_first_line is not None
    assert lines.offset(0, 99) == end_of_first_line.start()


def test_offset_past_end_of_last_line_clamps_to_end_of_text() -> None:
    assert LineIndex("ab\ncd").offset(1, 99) == 5
    assert LineIndex("a😀").offset(0, 99) == 2


def test_offset_inside_a_surrogate_pair_lands_on_a_character_boundary() -> None:
    assert LineIndex("😀x").offset(0, 1) in (0, 1)


def test_empty_text() -> None:
    lines = LineIndex("")
    assert lines.position(0) == (0, 0)
    assert lines.offset(0, 0) == 0
    assert lines.offset(0, 5) == 0


_TEXT = st.lists(
    st.sampled_from(["a", "é", "日", "\u0301", "😀", "𝄞", "\n", "\r", "\r\n", " "]),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_round_trip_and_utf16_columns_on_random_text(text: str) -> None:
    lines = LineIndex(text)
    starts = [0] + [m.end() for m in _BREAK.finditer(text)]
    assert lines.line_count == len(starts)
    for i in range(len(text) + 1):
        line, character = lines.position(i)
        if i < len(text) and text[i] == "\n" and i > 0 and text[i - 1] == "\r":
            continue  # between \r and \n: no LSP position names it
        assert 0 <= line < lines.line_count
        assert character == utf16_len(text[starts[line] : i])
        assert lines.offset(line, character) == i
