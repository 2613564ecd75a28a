"""The edits automation makes to a note's text: fields, tags, and lines under a heading.

Each function takes a note's text and returns the changed text, leaving every byte it does not
mean to change as it was (line endings and a BOM included). Field edits live in
:mod:`~vespera.automation.frontmatter_edit` and are re-exported here. Inline tags and headings
are found by the vault parser, so code, links and URLs are never mistaken for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from vespera.automation.frontmatter_edit import (
    NoteEditError,
    append_to_field,
    field_values,
    new_note,
    read_fields,
    remove_from_field,
    set_field,
    unset_field,
)
from vespera.vault.frontmatter import _TAG_SPLIT, TAG_KEYS
from vespera.vault.parser import BOM, parse_text
from vespera.vault.positions import LineIndex
from vespera.vault.resolve import fold
from vespera.vault.syntax import clean_tag

__all__ = [
    "NoteEditError",
    "add_tags",
    "append_text",
    "append_to_field",
    "append_under_heading",
    "field_values",
    "new_note",
    "read_fields",
    "remove_from_field",
    "remove_tags",
    "replace_tags",
    "set_field",
    "unset_field",
]

_LINE_BREAK = re.compile(r"\r\n|\n|\r")


# Tags


def add_tags(text: str, tags: str | Iterable[str]) -> str:
    """Add ``tags`` to the frontmatter ``tags`` list (created if missing).

    A leading ``#`` is dropped. Tags the note already has, in its frontmatter or inline in its
    text, are skipped (ignoring case). Raises :class:`NoteEditError` for a name that is no tag.
    """
    names = [_tag_name(tag) for tag in _as_names(tags)]
    data = read_fields(text)
    present = {tag.norm for tag in parse_text("note.md", text).tags}
    added: list[str] = []
    for name in names:
        if fold(name) not in present:
            present.add(fold(name))
            added.append(name)
    if not added:
        return text
    keys = _tag_keys(data)
    key = keys[0] if keys else "tags"
    return set_field(text, key, [*_tag_items(data.get(key)), *added])


def remove_tags(text: str, tags: str | Iterable[str]) -> str:
    """Remove ``tags`` from the frontmatter and every inline ``#tag`` in the text.

    Only whole tags go: removing ``mood`` leaves ``#mood:tense`` and ``#moody``, and nothing in
    code is touched. A line left holding nothing but the removed tags is dropped.
    """
    targets = {fold(_bare(tag)) for tag in _as_names(tags)}
    data = read_fields(text)
    for key in _tag_keys(data):
        items = _tag_items(data[key])
        kept = [item for item in items if _item_norm(item) not in targets]
        if len(kept) != len(items):
            text = set_field(text, key, kept)
    return _edit_inline(text, targets, None)


def replace_tags(text: str, old: str, new: str) -> str:
    """Rename the tag ``old`` to ``new`` in the frontmatter and inline (keeping the ``#``)."""
    old_norm = fold(_bare(old))
    new_name = _tag_name(new)
    new_norm = fold(new_name)
    data = read_fields(text)
    for key in _tag_keys(data):
        items = _tag_items(data[key])
        if all(_item_norm(item) != old_norm for item in items):
            continue
        renamed: list[Any] = []
        has_new = False
        for item in items:
            norm = _item_norm(item)
            if norm == old_norm:
                item, norm = new_name, new_norm
            if norm == new_norm:
                if has_new:
                    continue  # the note had both tags: keep one
                has_new = True
            renamed.append(item)
        text = set_field(text, key, renamed)
    return _edit_inline(text, {old_norm}, new_name)


def _edit_inline(text: str, targets: set[str], new: str | None) -> str:
    """Remove (``new`` is ``None``) or rename the inline tags whose folded name is a target."""
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    lines = LineIndex(body)
    by_line: dict[int, list[tuple[int, int]]] = {}
    for tag in parse_text("note.md", body).tags:
        if tag.source == "inline" and tag.norm in targets:
            r = tag.range
            span = lines.offset(r.start_line, r.start_char), lines.offset(r.end_line, r.end_char)
            by_line.setdefault(r.start_line, []).append(span)
    for line in sorted(by_line, reverse=True):
        line_start, line_end = lines.line_start(line), lines.line_end(line)
        kept = body[line_start:line_end]
        for start, end in sorted(by_line[line], reverse=True):
            start, end = start - line_start, end - line_start
            if new is not None:
                kept = kept[: start + 1] + new + kept[end:]
            else:
                kept = _cut(kept, start, end)
        if kept.strip(" \t") or new is not None:
            body = body[:line_start] + kept + body[line_end:]
        elif line + 1 < lines.line_count:
            body = body[:line_start] + body[lines.line_start(line + 1) :]
        else:
            body = body[: lines.line_end(line - 1) if line > 0 else 0] + body[line_end:]
    return bom + body


def _cut(line: str, start: int, end: int) -> str:
    """``line`` without the tag at ``[start, end)`` and the spaces that set it apart."""
    if start > 0 and line[start - 1] in " \t":
        while start > 0 and line[start - 1] in " \t":
            start -= 1
    else:
        while end < len(line) and line[end] in " \t":
            end += 1
    return line[:start] + line[end:]


def _tag_keys(data: dict[str, Any]) -> list[str]:
    """The frontmatter keys holding tags, ``tags`` before ``tag`` (in any case)."""
    keys = [key for key in data if key.lower() in TAG_KEYS]
    return sorted(keys, key=lambda key: TAG_KEYS.index(key.lower()))


def _tag_items(value: Any) -> list[Any]:
    """A tags field as a list: ``draft``, ``a, b``, ``a b`` and ``[a, b]`` all read as lists."""
    if value is None:
        return []
    items: list[Any] = []
    for item in value if isinstance(value, list) else [value]:
        words = [word for word in _TAG_SPLIT.split(item) if word] if isinstance(item, str) else []
        items.extend(words if len(words) > 1 else [item])
    return items


def _item_norm(item: Any) -> str | None:
    name = clean_tag(_bare(item)) if isinstance(item, str) else None
    return fold(name) if name else None


def _tag_name(raw: str) -> str:
    bare = _bare(raw)
    if clean_tag(bare) != bare:
        raise NoteEditError(
            f"'{raw}' is not a tag: a tag is one word of letters, digits and _ - / :"
            " (not only digits)"
        )
    return bare


def _bare(tag: str) -> str:
    return tag.strip().removeprefix("#")


def _as_names(tags: str | Iterable[str]) -> list[str]:
    return [tags] if isinstance(tags, str) else [str(tag) for tag in tags]


# Text


def append_under_heading(text: str, heading: str, line_text: str) -> str:
    """Add ``line_text`` as the last line of the section under ``heading``.

    The first heading whose text equals ``heading`` (ignoring case, any level) is used; its
    section ends at the next heading of the same or a higher level, and the line goes after
    the section's last non-blank line, so blank lines before the next heading stay. Without
    such a heading, ``## heading`` and the line are appended at the end of the note.
    """
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    nl = _newline_of(body)
    line = nl.join(_LINE_BREAK.split(line_text))
    headings = parse_text("note.md", body).headings
    lines = LineIndex(body)
    title = heading.strip().lstrip("#").strip()  # "## Log" names the heading "Log" too
    wanted = fold(title)
    for i, found in enumerate(headings):
        if fold(found.text) != wanted:
            continue
        head_end = lines.line_end(found.range.end_line)
        after = next((h for h in headings[i + 1 :] if h.level <= found.level), None)
        section_end = len(body) if after is None else lines.line_start(after.range.start_line)
        content = body[head_end:section_end].rstrip(" \t\r\n")
        if not content.strip(" \t\r\n"):
            return bom + body[:head_end] + nl + nl + line + body[head_end:]
        at = lines.line_end(lines.line_of(head_end + len(content) - 1))
        return bom + body[:at] + nl + line + body[at:]
    section = f"## {title}{nl}{nl}{line}{nl}"
    if not body.strip():
        return bom + body + section
    if not body.endswith(("\n", "\r")):
        body += nl
    if len(_LINE_BREAK.findall(body[len(body.rstrip(" \t\r\n")) :])) < 2:
        body += nl  # a blank line before the new heading
    return bom + body + section


def append_text(text: str, line_text: str) -> str:
    """Append ``line_text`` at the end of the note, on a line of its own.

    The note's habit is kept: a note ending with a line break still does, one without does not.
    """
    bom = BOM if text.startswith(BOM) else ""
    body = text[len(bom) :]
    nl = _newline_of(body)
    line = nl.join(_LINE_BREAK.split(line_text))
    if not body or body.endswith(("\n", "\r")):
        return bom + body + line + nl
    return bom + body + nl + line


def _newline_of(text: str) -> str:
    found = _LINE_BREAK.search(text)
    return "\n" if found is None else found.group(0)
