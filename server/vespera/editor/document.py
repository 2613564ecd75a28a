"""A note as an editor holds it: its text, version and (parsed on demand) model."""

from __future__ import annotations

from dataclasses import dataclass, field

from vespera.vault.model import ParsedNote
from vespera.vault.parser import empty_note, parse_text, too_large
from vespera.vault.positions import LineIndex

# Above this size a buffer is parsed in a thread rather than on the event loop.
LARGE_TEXT = 128 * 1024
DEFAULT_LIMIT = 8 * 1024 * 1024


@dataclass
class EditorDocument:
    """One open note. ``parsed`` and ``lines`` follow ``text`` (recomputed when it changes)."""

    path: str
    text: str
    version: int | None = None
    limit: int = DEFAULT_LIMIT  # bytes; a larger text is known by its name only, as on disk
    _parsed: ParsedNote | None = field(default=None, repr=False)
    _lines: LineIndex | None = field(default=None, repr=False)
    _line_texts: list[str] | None = field(default=None, repr=False)

    def replace(self, text: str, version: int | None) -> None:
        """Take the editor's new text."""
        self.text, self.version = text, version
        self._parsed = self._lines = self._line_texts = None

    @property
    def parsed(self) -> ParsedNote:
        """The note model of the current text."""
        if self._parsed is None:
            self._parsed = parse_editor_text(self.path, self.text, self.limit)
        return self._parsed

    @property
    def needs_parse(self) -> bool:
        """Whether the current text has not been parsed yet."""
        return self._parsed is None

    def set_parsed(self, parsed: ParsedNote, text: str) -> None:
        """Keep a model parsed elsewhere (in a thread), if the text has not moved on since."""
        if text is self.text:
            self._parsed = parsed

    @property
    def lines(self) -> LineIndex:
        """Offsets to positions for the current text."""
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines

    def line(self, number: int) -> str:
        """The text of one line, without its line break ("" past the end)."""
        if self._line_texts is None:
            self._line_texts = self.text.splitlines()
        texts = self._line_texts
        return texts[number] if 0 <= number < len(texts) else ""


def parse_editor_text(path: str, text: str, limit: int) -> ParsedNote:
    """Parse a buffer, or describe it as too large to parse (the same rule as for files)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size <= limit:
        return parse_text(path, text)
    return empty_note(path, too_large(size, limit))


def utf16_to_index(line: str, character: int) -> int:
    """The code-point index in ``line`` of an LSP UTF-16 column (clamped to the line)."""
    if line.isascii():
        return min(character, len(line))
    units = 0
    for index, char in enumerate(line):
        if units >= character:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(line)


def index_to_utf16(line: str, index: int) -> int:
    """The LSP UTF-16 column of a code-point index in ``line``."""
    head = line[:index]
    if head.isascii():
        return len(head)
    return len(head) + sum(1 for c in head if ord(c) > 0xFFFF)
