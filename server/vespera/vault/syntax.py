"""Shared syntax rules for tags and wikilinks, used by both frontmatter and body parsing."""

from __future__ import annotations

import re
import unicodedata

from vespera.vault.model import Link, LinkKind, Range, Tag, TagSource

WIKILINK = re.compile(r"(!?)\[\[([^\[\]\r\n]+?)\]\]")
# Characters that can never be part of a tag: white space and ASCII punctuation other than the
# separators a tag may hold (``_ - / :``). Non-ASCII characters are checked by category below.
TAG_BODY = r"[^\s!\"#$%&'()*+,.;<=>?@\[\\\]^`{|}~]+"
_ALLOWED_SEPARATORS = "_-/:"
_TAG_BODY_RUN = re.compile(TAG_BODY)


def clean_tag(raw: str) -> str | None:
    """Return the tag a run of characters after ``#`` spells, or ``None`` if it is no tag.

    Letters, marks and digits of any script are allowed, with ``_ - / :``; a tag stops at the
    first other character. Trailing separators are dropped (``#mood:`` while typing), and a tag
    made only of digits (``#123``) is an issue number, not a tag.
    """
    body = _TAG_BODY_RUN.match(raw)
    name = body.group(0) if body is not None else ""
    if not name.isascii():
        for i, ch in enumerate(name):
            if ch in _ALLOWED_SEPARATORS:
                continue
            if unicodedata.category(ch)[0] not in "LMN":
                name = name[:i]
                break
    name = name.rstrip("/:")
    if not name or name[0] in "/:":
        return None
    if all(ch.isdigit() or ch in "/:" for ch in name):
        return None
    return name


def make_tag(name: str, source: TagSource, span: Range) -> Tag:
    """Build a :class:`Tag` from a cleaned name, splitting ``key:value``."""
    key: str | None = None
    value: str | None = None
    if ":" in name:
        key, _, value = name.partition(":")
    return Tag(name, unicodedata.normalize("NFC", name).casefold(), key, value, source, span)


def parse_wikilink_inner(
    inner: str, embed: bool, kind: LinkKind, field: str | None, span: Range
) -> Link | None:
    """Parse the text between ``[[`` and ``]]``: ``target#heading|alias`` or ``target#^block``."""
    target_part, bar, alias = inner.partition("|")
    if bar and target_part.endswith("\\"):
        # Inside a table the pipe is escaped: [[Note\|alias]].
        target_part = target_part[:-1]
    target, hash_sign, fragment = target_part.partition("#")
    target = target.strip()
    heading: str | None = None
    block: str | None = None
    if hash_sign:
        fragment = fragment.strip()
        if fragment.startswith("^"):
            block = fragment[1:] or None
        else:
            heading = fragment or None
    if not target and heading is None and block is None:
        return None
    return Link(
        target=target,
        heading=heading,
        block=block,
        alias=alias.strip() or None if bar else None,
        embed=embed,
        kind=kind,
        field=field,
        range=span,
    )


def wikilink_text(link: Link, target: str) -> str:
    """``link`` written as a wikilink to ``target``, keeping its heading or block and alias."""
    if link.block:
        fragment = f"#^{link.block}"
    elif link.heading:
        fragment = f"#{link.heading}"
    else:
        fragment = ""
    alias = f"|{link.alias}" if link.alias else ""
    return f"{'!' if link.embed else ''}[[{target}{fragment}{alias}]]"
