"""What of a note is embedded: the whole note when it is short, else one passage per section.

A model reads only its first hundred-odd word pieces of a text, so a long note embedded whole
would be known by its opening alone. Long notes are split at their headings (levels 1 to 3);
sections too short to say much join the one before; a long note without headings is split
between paragraphs. Each passage starts with the note's title and its heading, which tell the
model what the passage is about. Markup that says nothing about the meaning (frontmatter,
code, link targets hidden behind an alias, block ids) is left out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SHORT_WORDS = 120
"""Notes with at most this many words get one vector for the whole note."""
MIN_SECTION_WORDS = 25
"""A section shorter than this joins the passage before it."""
CHUNK_WORDS = 110
"""Paragraphs are grouped up to about this many words when a long note has no headings."""
MAX_PASSAGES = 24
"""Passages kept per note: what follows joins the last one (and is read only in part)."""
MAX_CHARS = 4000
"""A passage's text is cut here: a local model reads only its first 128 word pieces (about
600 characters) anyway, and an endpoint must not be sent more than its context holds."""

_FRONTMATTER = re.compile(r"\A---[ \t]*\r?\n.*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.DOTALL | re.MULTILINE)
_WIKILINK = re.compile(r"!?\[\[([^\]|#^]*)(?:[#^][^\]|]*)?(?:\|([^\]]*))?\]\]")
_MDLINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_BLOCK_ID = re.compile(r"\s\^[A-Za-z0-9-]+$", re.MULTILINE)
_TAG = re.compile(r"(?<![\w#])#([\w/:-]+)")
_HEADING = re.compile(r"^(#{1,3})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_SPACE = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class Passage:
    """One embedded piece of a note."""

    index: int
    heading: str
    """The section's heading; empty for the whole note or the part before the first heading."""
    text: str
    """What the model reads."""

    @property
    def digest(self) -> str:
        """Identifies the text: an unchanged passage keeps its vector."""
        return hashlib.blake2b(self.text.encode("utf-8"), digest_size=12).hexdigest()


def plain_text(markdown: str) -> str:
    """The note's words without frontmatter and markup that carries no meaning."""
    text = _FRONTMATTER.sub("", markdown, count=1)
    text = _FENCE.sub("", text)
    text = _WIKILINK.sub(lambda m: m.group(2) or m.group(1).rsplit("/", 1)[-1], text)
    text = _MDLINK.sub(r"\1", text)
    text = _BLOCK_ID.sub("", text)
    text = _TAG.sub(lambda m: m.group(1).replace("/", " ").replace(":", " "), text)
    return text


def split_passages(title: str, markdown: str) -> list[Passage]:
    """The passages of a note titled ``title`` whose text is ``markdown``."""
    text = plain_text(markdown)
    words = len(text.split())
    if words <= SHORT_WORDS:
        return [Passage(0, "", _compose(title, "", text))]
    sections = _sections(text)
    if len(sections) == 1:
        sections = [("", chunk) for chunk in _chunks(sections[0][1])]
    merged: list[tuple[str, str]] = []
    for heading, body in sections:
        small = len(body.split()) < MIN_SECTION_WORDS
        if merged and (small or len(merged) >= MAX_PASSAGES):
            previous, earlier = merged[-1]
            merged[-1] = (previous, f"{earlier}\n{heading}\n{body}".strip())
        else:
            merged.append((heading, body))
    return [
        Passage(n, heading, _compose(title, heading, body))
        for n, (heading, body) in enumerate(merged)
        if body.strip() or heading
    ] or [Passage(0, "", _compose(title, "", text))]


def _sections(text: str) -> list[tuple[str, str]]:
    sections: list[tuple[str, str]] = []
    start, heading = 0, ""
    for match in _HEADING.finditer(text):
        sections.append((heading, text[start : match.start()]))
        heading, start = match.group(2).strip(), match.end()
    sections.append((heading, text[start:]))
    return [(h, b.strip()) for h, b in sections if h or b.strip()]


def _chunks(text: str) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for paragraph in re.split(r"\n\s*\n", text):
        count = len(paragraph.split())
        if current and size + count > CHUNK_WORDS:
            chunks.append("\n\n".join(current))
            current, size = [], 0
        current.append(paragraph)
        size += count
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def _compose(title: str, heading: str, body: str) -> str:
    parts = [title.strip()]
    if heading and heading.strip().casefold() != title.strip().casefold():
        parts.append(heading.strip())
    lead = ". ".join(p for p in parts if p)
    body = _SPACE.sub(" ", body).strip()
    text = f"{lead}.\n{body}" if lead and body else lead or body
    return text[:MAX_CHARS]
