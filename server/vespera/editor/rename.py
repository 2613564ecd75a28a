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
    """
    edits: dict[str, list[TextEdit]] = {}
    size = len(old_norm)
    for path, name, span in occurrences:
        norm = fold(name)
        if norm == old_norm:
            text = new_name
        elif norm.startswith(old_norm + "/") and fold(name[:size]) == old_norm:
            text = new_name + name[size:]
        else:
            continue  # written in a way whose folded prefix has another length (rare scripts)
        edits.setdefault(path, []).append(TextEdit(name_range(span, name), text))
    return edits
