"""Renaming a tag across the vault: the text edits, note by note."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vespera.editor.navigation import name_range
from vespera.vault.model import Range
from vespera.vault.resolve import fold
from vespera.vault.syntax import clean_tag


class RenameError(ValueError):
    """The new name cannot be used; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace ``range`` with ``text``."""

    range: Range
    text: str


def checked_tag_name(new_name: str) -> str:
    """The new tag name without ``#``, or :class:`RenameError` if it is not a valid tag."""
    name = new_name.strip().lstrip("#")
    if not name or clean_tag(name) != name:
        raise RenameError(
            f'"{new_name}" is not a valid tag: use letters, digits, "_", "-", "/" and ":", '
            "not only digits, and no spaces."
        )
    return name


def tag_rename_edits(
    occurrences: Iterable[tuple[str, str, Range]], old_norm: str, new_name: str
) -> dict[str, list[TextEdit]]:
    """Edits renaming tag ``old_norm`` (and its nested children) to ``new_name``, by path.

    ``occurrences`` are (path, tag as written, range). A child keeps the rest of its name as
    written: renaming ``mood`` to ``feeling`` turns ``#Mood/Calm`` into ``#feeling/Calm``.
    Occurrences that are neither the tag nor one of its children are left alone.
    """
    edits: dict[str, list[TextEdit]] = {}
    for path, name, span in occurrences:
        text = new_name if fold(name) == old_norm else _renamed_child(name, old_norm, new_name)
        if text is not None:
            edits.setdefault(path, []).append(TextEdit(name_range(span, name), text))
    return edits


def _renamed_child(name: str, old_norm: str, new_name: str) -> str | None:
    """``name`` with its written parent ``old_norm`` replaced, if it is a child of it.

    The parent is found by folding each prefix ending before a ``/``: folding may change a
    prefix's length (``Straße`` folds to ``strasse``).
    """
    at = name.find("/")
    while at != -1:
        if fold(name[:at]) == old_norm:
            return new_name + name[at:]
        at = name.find("/", at + 1)
    return None
