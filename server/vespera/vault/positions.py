"""Conversion from string offsets to LSP positions (zero-based line, UTF-16 column)."""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate, repeat
from operator import add

from vespera.vault.model import Range

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class LineIndex:
    """Maps code-point offsets in ``text`` to LSP positions.

    Columns count UTF-16 code units, as the protocol requires; text without characters outside
    the Basic Multilingual Plane (nearly all text) takes a fast path where both counts agree.
    """

    __slots__ = ("_astral", "_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        if "\r" in text:
            self._starts = [0]
            self._starts.extend(m.end() for m in _LINE_BREAK.finditer(text))
        else:
            # All in C: each line's length plus its break, summed from 0.
            lengths = map(add, map(len, text.split("\n")), repeat(1))
            self._starts = list(accumulate(lengths, initial=0))
            self._starts.pop()
        self._astral = _ASTRAL.search(text) is not None

    @property
    def line_count(self) -> int:
        """Number of lines (a trailing line break opens one more, empty line)."""
        return len(self._starts)

    def line_start(self, line: int) -> int:
        """Offset of the first character of ``line``."""
        return self._starts[line]

    def line_end(self, line: int) -> int:
        """Offset just past the last character of ``line``, before its line break."""
        if line + 1 >= len(self._starts):
            return len(self._text)
        end = self._starts[line + 1]
        if self._text[end - 1] == "\n":
            end -= 1
        if end > self._starts[line] and self._text[end - 1] == "\r":
            end -= 1
        return end

    def line_of(self, offset: int) -> int:
        """Zero-based line holding ``offset``."""
        return bisect_right(self._starts, offset) - 1

    def position(self, offset: int) -> tuple[int, int]:
        """LSP ``(line, character)`` of ``offset``."""
        line = bisect_right(self._starts, offset) - 1
        start = self._starts[line]
        if not self._astral:
            return line, offset - start
        segment = self._text[start:offset]
        return line, offset - start + len(_ASTRAL.findall(segment))

    def range(self, start: int, end: int) -> Range:
        """LSP range of the offsets ``[start, end)``."""
        if self._astral:
            return Range(*self.position(start), *self.position(end))
        # The common case, inlined: called for every tag, link, heading and task.
        starts = self._starts
        sl = bisect_right(starts, start) - 1
        same_line = sl + 1 == len(starts) or end < starts[sl + 1]  # nearly always
        el = sl if same_line else bisect_right(starts, end) - 1
        return Range(sl, start - starts[sl], el, end - starts[el])

    def offset(self, line: int, character: int) -> int:
        """Offset of an LSP position, clamped to the text (the inverse of :meth:`position`)."""
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self._text)
        start = self._starts[line]
        end = self.line_end(line)
        if not self._astral:
            return min(start + max(character, 0), end)
        units = 0
        for i in range(start, end):
            if units >= character:
                return i
            units += 2 if ord(self._text[i]) > 0xFFFF else 1
        return end
