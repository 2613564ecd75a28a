"""Property-based tests: the parser never raises and every range it reports lies in the text.

Runs are derandomised so that the suite gives the same answer on every machine; each property
also names the smallest known counter-example (if any) with ``@example`` so a regression shows
up at once instead of only when the generator happens upon it.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from vespera.vault.markdown import mask_code
from vespera.vault.model import ParsedNote, Range
from vespera.vault.parser import BOM, parse_bytes, parse_text
from vespera.vault.resolve import fold
from vespera.vault.syntax import TAG_BODY, clean_tag

PROPERTY = settings(max_examples=300, deadline=None, derandomize=True, database=None)

_BREAK = re.compile(r"\r\n|\r|\n")
_BLOCK_ID = re.compile(r"[A-Za-z0-9-]+")

_PIECES = [
    *"#[]|^`~-:/!()\\*>=\"',{}.&?@%_ \t",
    *"abcXYZé日Я1",
    "😀",
    "𝄞",
    "\u0301",
    "\u0308",
    "\n",
    "\n",
    "\n\n",
    "[[",
    "]]",
    "![[",
    "```",
    "~~~",
    "---",
    "\n---\n",
    "...",
    "# ",
    "## ",
    "- ",
    "- [ ] ",
    "* [x] ",
    "1. ",
    "===",
    " ^id",
    "#tag",
    "#a/b",
    "#k:v",
    "[[Note#H|al]]",
    "[x](y.md)",
    "[x](<a b.md>)",
    "](",
    "http://",
    "https://x.com/a#frag",
    "%20",
    ".md",
    "tags: ",
    "tag: ",
    "title: ",
    "type: ",
    "aliases: ",
    "related: ",
    "  - ",
    "&a ",
    "*a",
    "!!str ",
    "<<: ",
    "2024-01-05",
]
_PREFIXES = ["", "", "---\n", "---\n", BOM + "---\n", "---\ntags: "]


def _markdownish(pieces: list[str]) -> st.SearchStrategy[str]:
    body = st.lists(st.sampled_from(pieces), max_size=80).map("".join)
    return st.builds(str.__add__, st.sampled_from(_PREFIXES), body)


LF_TEXT = _markdownish(_PIECES)
CR_TEXT = _markdownish([*_PIECES, "\r", "\r\n", "\r\n", " #\r\n", "\r\n---\r\n"])


# Checks shared by the properties


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class Source:
    """The text the parser saw, split the way LSP splits lines, with offsets of positions."""

    def __init__(self, text: str) -> None:
        self.text = text.removeprefix(BOM)
        self.lines = _BREAK.split(self.text)
        self.starts = [0] + [m.end() for m in _BREAK.finditer(self.text)]

    def offset(self, line: int, character: int) -> int:
        at = self.starts[line]
        units = 0
        while units < character:
            units += 2 if ord(self.text[at]) > 0xFFFF else 1
            at += 1
        return at

    def slice(self, span: Range) -> str:
        start = self.offset(span.start_line, span.start_char)
        return self.text[start : self.offset(span.end_line, span.end_char)]


def all_ranges(note: ParsedNote, skip_codes: tuple[str, ...] = ()) -> list[tuple[str, Range]]:
    spans: list[tuple[str, Range]] = []
    if note.frontmatter_range is not None:
        spans.append(("frontmatter", note.frontmatter_range))
    spans += [(f"tag {t.name!r}", t.range) for t in note.tags]
    spans += [(f"link {lk.target!r}", lk.range) for lk in note.links]
    spans += [(f"heading {h.text!r}", h.range) for h in note.headings]
    spans += [(f"block {b.id!r}", b.range) for b in note.blocks]
    spans += [(f"task {t.text!r}", t.range) for t in note.tasks]
    spans += [
        (f"problem {p.code}", p.range)
        for p in note.problems
        if p.range is not None and p.code not in skip_codes
    ]
    return spans


def assert_ranges_within(
    note: ParsedNote, source: Source, skip_codes: tuple[str, ...] = ()
) -> None:
    count = len(source.lines)
    for what, span in all_ranges(note, skip_codes):
        assert 0 <= span.start_line < count, what
        assert 0 <= span.end_line < count, what
        assert (span.start_line, span.start_char) <= (span.end_line, span.end_char), what
        assert 0 <= span.start_char <= utf16_len(source.lines[span.start_line]), what
        assert 0 <= span.end_char <= utf16_len(source.lines[span.end_line]), what


def assert_elements_consistent(note: ParsedNote, source: Source) -> None:
    for tag in note.tags:
        assert tag.norm == fold(tag.name)
        assert (tag.key is None) == (":" not in tag.name)
        if tag.key is not None:
            assert f"{tag.key}:{tag.value}" == tag.name
        if tag.source == "inline":
            assert source.slice(tag.range) == "#" + tag.name
    for link in note.links:
        written = source.slice(link.range)
        if link.kind == "wikilink":
            assert written.startswith("![[" if link.embed else "[["), written
            assert written.endswith("]]"), written
        elif link.kind == "markdown":
            assert written.startswith("![" if link.embed else "["), written
            assert written.endswith(")"), written
    for heading in note.headings:
        assert 1 <= heading.level <= 6
        assert heading.text == heading.text.strip()
    for block in note.blocks:
        assert _BLOCK_ID.fullmatch(block.id), block
        assert source.slice(block.range) == "^" + block.id
    tag_names = {t.name for t in note.tags}
    for task in note.tasks:
        assert len(task.status) == 1
        assert task.done == (task.status in "xX")
        assert set(task.tags) <= tag_names


def assert_tag_rules(note: ParsedNote, source: Source) -> None:
    for tag in note.tags:
        assert clean_tag(tag.name) == tag.name, tag
        assert re.fullmatch(TAG_BODY, tag.name), tag
        if tag.source == "inline":
            at = source.offset(tag.range.start_line, tag.range.start_char)
            assert at == 0 or source.text[at - 1].isspace(), tag


# Properties of parse_text


@PROPERTY
@given(LF_TEXT)
@example("---\ntags: [a, b]\n---\n# T\n- [ ] x #y ^b1\n[[N#H|a]] [m](n.md)\n")
def test_markdownish_text_parses_with_ranges_inside_the_text(text: str) -> None:
    note = parse_text("Notes/Note.md", text)
    source = Source(text)
    assert_ranges_within(note, source)
    assert_elements_consistent(note, source)


@PROPERTY
@given(CR_TEXT)
@example("# A\r\n")
@example("Para\r\n===\r\n")
@example("---\r\n")
@example("---\r\na: b: c\r\nx: 1\r\n---\n")
def test_ranges_stay_inside_the_text_with_crlf_and_cr_line_breaks(text: str) -> None:
    note = parse_text("Notes/Note.md", text)
    source = Source(text)
    assert_ranges_within(note, source)
    assert_elements_consistent(note, source)


@PROPERTY
@given(LF_TEXT)
@example("---\ntags: a!b\n---\n")
@example("[[A]]#t")
def test_tag_names_follow_the_tag_rules(text: str) -> None:
    note = parse_text("Notes/Note.md", text)
    assert_tag_rules(note, Source(text))


@PROPERTY
@given(st.text(max_size=300))
def test_fully_random_text_never_raises_and_ranges_stay_inside(text: str) -> None:
    note = parse_text("Random.md", text)
    assert_ranges_within(note, Source(text))


@PROPERTY
@given(st.text(max_size=200).map(lambda body: "---\n" + body + "\n---\n#end"))
@example("---\n\x85000000000\n---\n#end")
def test_random_frontmatter_never_raises_and_body_is_still_scanned(text: str) -> None:
    note = parse_text("Random.md", text)
    assert_ranges_within(note, Source(text))
    assert note.tags[-1].name == "end"


# parse_bytes


_BYTES = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda text, junk, at: (lambda raw: raw[:at] + junk + raw[at:])(text.encode()),
        CR_TEXT,
        st.binary(min_size=1, max_size=4),
        st.integers(min_value=0, max_value=400),
    ),
)


@PROPERTY
@given(_BYTES)
@example(b"\xff")
@example(b"\x00")
def test_random_bytes_never_raise_and_problems_match_the_bytes(data: bytes) -> None:
    note = parse_bytes("Folder/Random.md", data)
    codes = [p.code for p in note.problems]
    if b"\x00" in data:
        assert codes == ["binary-file"]
        assert note.title == "Random"
        return
    text = data.decode("utf-8", errors="replace")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        assert codes[0] == "invalid-utf8"
    else:
        assert "invalid-utf8" not in codes
        assert note == parse_text("Folder/Random.md", text)
    # The invalid-utf8 range has its own tests in test_parser_bytes.py.
    source = Source(text)
    for what, span in all_ranges(note, ("invalid-utf8",)):
        assert 0 <= span.start_line <= span.end_line < len(source.lines), what


# mask_code


@PROPERTY
@given(CR_TEXT, st.integers(min_value=0, max_value=20))
def test_mask_code_keeps_offsets_and_line_feeds_and_only_blanks(text: str, start: int) -> None:
    start = min(start, len(text))
    masked = mask_code(text, start)
    assert len(masked) == len(text)
    assert masked[:start] == text[:start]
    for original, kept in zip(text, masked, strict=True):
        if original == "\n":
            assert kept == "\n"
        else:
            assert kept in (original, " ")


@PROPERTY
@given(st.lists(st.sampled_from(["a", "#t", " ", "\n", "`", "```", "~~~"]), max_size=40))
def test_every_inline_tag_lies_outside_masked_code(pieces: list[str]) -> None:
    text = "".join(pieces)
    masked = mask_code(text, 0)
    inline = [t.range for t in parse_text("N.md", text).tags]
    source = Source(text)
    for span in inline:
        start = source.offset(span.start_line, span.start_char)
        assert masked[start] == "#"
