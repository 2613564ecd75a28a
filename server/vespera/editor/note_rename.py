"""Renaming or moving a note: the links elsewhere that must change so they still reach it."""

from __future__ import annotations

from posixpath import basename, dirname, relpath
from urllib.parse import quote

from vespera.editor.rename import TextEdit
from vespera.vault.model import Link
from vespera.vault.resolve import fold, strip_md
from vespera.vault.syntax import wikilink_text


def relinked(link: Link, source: str, new_path: str, new_target: str) -> str | None:
    """The new text of ``link`` (written in ``source``) once its note is at ``new_path``.

    ``new_target`` is the shortest wikilink target naming the note at its new place. Returns
    None when the link still reaches the note as written (a wikilink by a name that did not
    change).
    """
    if link.kind == "markdown":
        target = relpath(new_path, dirname(source) or ".")
        fragment = f"#{quote(link.heading)}" if link.heading else ""
        text = link.alias or ""
        bang = "!" if link.embed else ""
        return f"{bang}[{text}]({quote(target)}{fragment})"
    written = strip_md(link.target.strip())
    still_named = "/" not in written and fold(written) == fold(basename(strip_md(new_path)))
    if still_named and new_target == basename(strip_md(new_path)):
        return None
    return wikilink_text(link, new_target)


def rename_edits(
    links: list[tuple[str, Link]], new_path: str, new_target: str
) -> dict[str, list[TextEdit]]:
    """Edits by source path for the (source, link) pairs that pointed at the renamed note."""
    out: dict[str, list[TextEdit]] = {}
    for source, link in links:
        text = relinked(link, source, new_path, new_target)
        if text is not None:
            out.setdefault(source, []).append(TextEdit(link.range, text))
    return out
