"""Completion candidates for tags, link targets, and the headings and blocks of a note.

Each function returns plain :class:`Suggestion` objects, best first; the LSP layer turns them
into completion items replacing the typed prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from posixpath import basename
from typing import Literal

from vespera.editor.catalog import Catalog
from vespera.vault.resolve import fold, strip_md

SuggestionKind = Literal["tag", "note", "alias", "heading", "block", "field", "value"]

LINK_LIMIT = 100  # link candidates per answer; the answer says when there are more


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One completion: shown as ``label``, inserting ``insert``."""

    label: str
    insert: str
    kind: SuggestionKind
    detail: str = ""
    documentation: str = ""
    filter: str | None = None


def tag_suggestions(catalog: Catalog, prefix: str, exclude: str | None = None) -> list[Suggestion]:
    """Tags of the vault starting with ``prefix``, most used first, counts shown.

    ``exclude`` is the tag exactly as being typed: it is left out when this very note is its only
    use, so a half-typed tag never suggests itself.
    """
    out = []
    for tag in catalog.tags_starting(prefix):
        if exclude is not None and tag.norm == fold(exclude) and tag.uses <= 1:
            continue
        uses = "1 use" if tag.uses == 1 else f"{tag.uses} uses"
        notes = "1 note" if tag.notes == 1 else f"{tag.notes} notes"
        out.append(Suggestion(tag.name, tag.name, "tag", f"{uses} in {notes}"))
    return out


def link_suggestions(
    catalog: Catalog,
    prefix: str,
    closed: bool,
    limit: int = LINK_LIMIT,
    types: frozenset[str] | None = None,
) -> tuple[list[Suggestion], bool]:
    """Notes whose name, title or alias matches ``prefix``; and whether more were left out.

    Prefix matches come before matches inside a word; names before titles before aliases. The
    inserted target is the shortest one that names only that note; an alias match inserts
    ``target|alias`` as Obsidian does. ``types`` (folded) keeps only notes of those codex types.
    """
    wanted = fold(prefix.strip())
    scored: list[tuple[int, int, str, str, str | None]] = []
    for path, note in catalog.notes.items():
        if types is not None and fold(note.type or "") not in types:
            continue
        name = basename(strip_md(path))
        best: tuple[int, str | None] | None = None
        for rank, text, alias in (
            (0, name, None),
            (1, note.title, None),
            *((2, a, a) for a in note.aliases),
        ):
            folded = fold(text)
            if folded.startswith(wanted):
                score = rank
            elif wanted and wanted in folded:
                score = rank + 3
            else:
                continue
            if best is None or score < best[0]:
                best = (score, alias)
        if best is not None:
            scored.append((best[0], len(name), name, path, best[1]))
    scored.sort()
    more = len(scored) > limit
    out = []
    close = "" if closed else "]]"
    for _, _, name, path, alias in scored[:limit]:
        note = catalog.notes[path]
        target = catalog.link_text(path)
        detail = f"{note.type} · {path}" if note.type else path
        if alias is not None:
            out.append(Suggestion(alias, f"{target}|{alias}{close}", "alias", detail, filter=alias))
        else:
            label = name if note.title == name else f"{name} — {note.title}"
            out.append(
                Suggestion(label, target + close, "note", detail, filter=f"{name} {note.title}")
            )
    return out, more


def heading_suggestions(headings: list[tuple[int, str]], prefix: str) -> list[Suggestion]:
    """Headings (level, text) of the linked note that contain ``prefix``, in document order."""
    wanted = fold(prefix)
    return [
        Suggestion(text, text, "heading", "#" * level)
        for level, text in headings
        if wanted in fold(text)
    ]


def block_suggestions(blocks: list[tuple[str, str]], prefix: str) -> list[Suggestion]:
    """Block ids (id, the line's text) of the linked note starting with ``prefix``."""
    wanted = fold(prefix)
    return [
        Suggestion(block_id, block_id, "block", documentation=line)
        for block_id, line in blocks
        if fold(block_id).startswith(wanted)
    ]
