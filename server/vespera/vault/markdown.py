"""Scanning a note's markdown body for tags, links, headings, block ids and tasks.

Code is masked first: fenced blocks and inline code spans are replaced by spaces of the same
length, so every later pattern runs once over the whole text (fast) and offsets stay exact.
Tags are then searched in a second mask that also hides links and URLs, which keeps heading
anchors (``[[Note#Heading]]``, ``[x](#a)``) and URL fragments from reading as tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from posixpath import normpath
from urllib.parse import unquote

from vespera.vault.model import Block, Heading, Link, Tag, Task
from vespera.vault.positions import LineIndex
from vespera.vault.syntax import TAG_BODY, clean_tag, make_tag, parse_wikilink_inner

# Patterns that must start a line begin with a literal "\n" (the body always starts just after
# one), so the regex engine jumps from line break to line break instead of trying every
# character; those that may sit anywhere begin with their literal first character.
_FENCE = re.compile(r"\n[ \t]{0,3}(`{3,}|~{3,})([^\r\n]*)")
# Possessive quantifiers (*+, ++) give back nothing: with plain ones, runs of spaces that several
# parts of a pattern could take make the engine try every split, quadratic in the run's length.
_MD_LINK = re.compile(
    r"\[([^\]\r\n]*)\]\([ \t]*+(<[^>\r\n]*>|[^\s()]*+)"
    r"(?:[ \t]++(?:\"[^\"\r\n]*\"|'[^'\r\n]*'))?[ \t]*+\)"
)
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_URL_END = re.compile(r"[\s<>]")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_TAG = re.compile(r"#(" + TAG_BODY + ")")
_WIKILINK_BODY = re.compile(r"\[\[([^\[\]\r\n]+?)\]\]")
_ATX = re.compile(r"\n[ \t]{0,3}(#{1,6})(?=[ \t\r\n]|$)([^\r\n]*)", re.M)
_UNDERLINE = re.compile(r"\n[ \t]{0,3}(=+|-+)[ \t]*(?=\r?$)", re.M)
_NOT_PARAGRAPH = re.compile(r"[ \t]{0,3}(?:[-*+>]|\d{1,9}[.)]|#{1,6}(?:[ \t]|$)|\||`{3}|~{3})")
_BLOCK_ID = re.compile(r"\^([A-Za-z0-9-]+)[ \t]*(?=\r?$)", re.MULTILINE)
_TASK = re.compile(r"\n[ \t]*+((?:[-*+]|\d{1,9}[.)])[ \t]++\[([^\]\r\n])\]([^\r\n]*))")


@dataclass
class BodyScan:
    """What the body of one note holds."""

    tags: list[Tag] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)


def _blank(segment: str) -> str:
    """Spaces in place of every character but line feeds (faster than a regex substitution)."""
    if "\n" not in segment:
        return " " * len(segment)
    return "\n".join(" " * len(line) for line in segment.split("\n"))


def mask_code(text: str, start: int) -> str:
    """``text`` with all code after ``start`` replaced by spaces (offsets are kept).

    What lies before ``start`` (the frontmatter) is left as it is: every search starts there.
    """
    pieces = [text[:start]]
    pos = start
    if "```" in text or "~~~" in text:
        # Line-start patterns search "\n" + text, so offsets there are one more than in text.
        ext = "\n" + text
        fence = _FENCE.search(ext, start)
        while fence is not None:
            open_at = fence.start()  # ext's "\n" sits where text's fence line starts
            pieces.append(_mask_inline_code(text[pos:open_at]))
            marker = fence.group(1)
            end = len(text)
            closing = None
            for candidate in _FENCE.finditer(ext, fence.end()):
                other = candidate.group(1)
                same_kind = other[0] == marker[0] and len(other) >= len(marker)
                if same_kind and not candidate.group(2).strip():
                    closing = candidate
                    break
            if closing is not None:
                end = closing.end() - 1
            pieces.append(_blank(text[open_at:end]))
            pos = end
            fence = _FENCE.search(ext, closing.end()) if closing is not None else None
    pieces.append(_mask_inline_code(text[pos:]))
    return "".join(pieces)


def _mask_inline_code(segment: str) -> str:
    """Blank inline code spans: a run of n backticks up to the next run of exactly n on the line.

    Found with ``str.find`` from backtick to backtick; a regex for this must begin with a
    look-behind and then gets tried at every character of the note.
    """
    at = segment.find("`")
    if at < 0:
        return segment
    pieces: list[str] = []
    done = 0
    while at >= 0:
        run = at
        while run < len(segment) and segment[run] == "`":
            run += 1
        width = run - at
        line_end = segment.find("\n", run)
        line_end = len(segment) if line_end < 0 else line_end
        close = segment.find("`" * width, run, line_end)
        while close >= 0 and close + width < len(segment) and segment[close + width] == "`":
            # A longer run does not close this span; skip past it.
            skip = close
            while skip < len(segment) and segment[skip] == "`":
                skip += 1
            close = segment.find("`" * width, skip, line_end)
        if close < 0:
            at = segment.find("`", run)
            continue
        end = close + width
        pieces.append(segment[done:at])
        pieces.append(" " * (end - at))
        done = end
        at = segment.find("`", end)
    pieces.append(segment[done:])
    return "".join(pieces)


def scan_body(text: str, body_start: int, lines: LineIndex) -> BodyScan:
    """Scan the markdown after the frontmatter (``text[body_start:]``)."""
    scan = BodyScan()
    masked = mask_code(text, body_start)
    # ``ext`` serves the patterns that start with "\n": offset k in ext is k - 1 in text.
    ext = "\n" + masked
    hidden: list[tuple[int, int]] = []
    if "[[" in masked:
        for m in _WIKILINK_BODY.finditer(masked, body_start):
            start = m.start()
            embed = start > 0 and masked[start - 1] == "!"
            if embed:
                start -= 1
            hidden.append((start, m.end()))
            inner = text[m.start(1) : m.end(1)]
            span = lines.range(start, m.end())
            link = parse_wikilink_inner(inner, embed, "wikilink", None, span)
            if link is not None:
                scan.links.append(link)
    if "](" in masked:
        for m in _MD_LINK.finditer(masked, body_start):
            hidden.append(m.span())
            link = _markdown_link(text, masked, m, lines)
            if link is not None:
                scan.links.append(link)
    if "://" in masked:
        hidden.extend(_urls(masked, body_start))
    if "#" in masked:
        for m in _ATX.finditer(ext, body_start):
            words = _heading_text(text[m.start(2) - 1 : m.end(2) - 1])
            span = lines.range(m.start(), m.end() - 1)
            scan.headings.append(Heading(len(m.group(1)), words, span))
        tag_text = _hide(masked, hidden) if hidden else masked
        for m in _TAG.finditer(tag_text, body_start):
            at = m.start()
            if at > 0 and not text[at - 1].isspace():
                continue
            name = clean_tag(m.group(1))
            if name is not None:
                span = lines.range(at, m.start(1) + len(name))
                scan.tags.append(make_tag(name, "inline", span))
    if "\n=" in ext or "\n-" in ext or "\n " in ext:
        _scan_setext(text, ext, body_start, lines, scan)
    if "^" in masked:
        for m in _BLOCK_ID.finditer(masked, body_start):
            at = m.start()
            if at == 0 or masked[at - 1] in " \t\n":
                scan.blocks.append(Block(m.group(1), lines.range(at, m.end(1))))
    if "[" in masked:
        _scan_tasks(text, ext, body_start, lines, scan)
    return scan


def _urls(masked: str, start: int) -> list[tuple[int, int]]:
    """Spans of ``scheme://...`` URLs, found from their "://" outwards."""
    spans: list[tuple[int, int]] = []
    at = masked.find("://", start)
    while at >= 0:
        begin = at
        while begin > start and masked[begin - 1] in _SCHEME_CHARS:
            begin -= 1
        end_match = _URL_END.search(masked, at + 3)
        end = end_match.start() if end_match is not None else len(masked)
        if begin < at:
            spans.append((begin, end))
        at = masked.find("://", max(end, at + 3))
    return spans


def _hide(masked: str, spans: list[tuple[int, int]]) -> str:
    spans.sort()
    pieces: list[str] = []
    pos = 0
    for start, end in spans:
        start = max(start, pos)
        if end <= start:
            continue
        pieces.append(masked[pos:start])
        pieces.append(" " * (end - start))
        pos = end
    pieces.append(masked[pos:])
    return "".join(pieces)


def _markdown_link(text: str, masked: str, m: re.Match[str], lines: LineIndex) -> Link | None:
    destination = text[m.start(2) : m.end(2)].strip()
    if destination.startswith("<") and destination.endswith(">"):
        destination = destination[1:-1]
    if not destination or destination.startswith("#") or _SCHEME.match(destination):
        return None
    path, hash_sign, fragment = destination.partition("#")
    path = unquote(path)
    if not path.lower().endswith(".md"):
        return None
    heading: str | None = None
    block: str | None = None
    if hash_sign:
        fragment = unquote(fragment)
        if fragment.startswith("^"):
            block = fragment[1:] or None
        else:
            heading = fragment or None
    start = m.start()
    embed = start > 0 and masked[start - 1] == "!"
    return Link(
        target=normpath(path) if "/" in path else path,
        heading=heading,
        block=block,
        alias=text[m.start(1) : m.end(1)] or None,
        embed=embed,
        kind="markdown",
        field=None,
        range=lines.range(start - 1 if embed else start, m.end()),
    )


def _heading_text(rest: str) -> str:
    """A heading's words: the rest of its line, trimmed, without a closing run of ``#``."""
    words = rest.strip(" \t")
    bare = words.rstrip("#")
    if bare != words and (not bare or bare[-1] in " \t"):
        words = bare.rstrip(" \t")
    return words


def _scan_setext(text: str, ext: str, body_start: int, lines: LineIndex, scan: BodyScan) -> None:
    found = False
    for m in _UNDERLINE.finditer(ext, body_start):
        underline_start = m.start()  # ext's "\n" sits where text's underline line starts
        if underline_start <= body_start:
            continue
        previous_end = underline_start - 1
        if previous_end > 0 and text[previous_end - 1] == "\r":
            previous_end -= 1
        previous_start = lines.line_start(lines.line_of(previous_end))
        if previous_start < body_start:
            continue
        first = ext[previous_start + 1 : previous_end + 1]
        if not first.strip() or first.startswith("    ") or _NOT_PARAGRAPH.match(first):
            continue
        level = 1 if m.group(1)[0] == "=" else 2
        words = text[previous_start:previous_end].strip()
        scan.headings.append(Heading(level, words, lines.range(previous_start, m.end() - 1)))
        found = True
    if found:
        scan.headings.sort(key=lambda h: (h.range.start_line, h.range.start_char))


def _scan_tasks(text: str, ext: str, body_start: int, lines: LineIndex, scan: BodyScan) -> None:
    tags_by_line: dict[int, list[str]] = {}
    for tag in scan.tags:
        tags_by_line.setdefault(tag.range.start_line, []).append(tag.name)
    for m in _TASK.finditer(ext, body_start):
        status, rest = m.group(2), m.group(3)
        if rest and rest[0] not in " \t":
            continue  # "- [x]word" is text, not a task
        words = text[m.start(3) - 1 : m.end(3) - 1].strip()
        trailing = len(rest) - len(rest.rstrip(" \t"))
        span = lines.range(m.start(1) - 1, m.end(1) - 1 - trailing)
        scan.tasks.append(
            Task(
                status=status,
                done=status in "xX",
                text=words,
                tags=tuple(tags_by_line.get(span.start_line, ())),
                range=span,
            )
        )
