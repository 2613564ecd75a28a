"""Tag hygiene: near-duplicates of tags the vault already uses, and tags outside a vocabulary.

A tag used in one note only, that another tag used in several notes resembles, is most likely a
slip: the same tag in another case, without its accents, with another separator
(``mood-tense`` for ``mood:tense``...), or with a small typo. The more used tag is suggested.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from vespera.editor.catalog import Catalog, TagInfo
from vespera.vault.model import Tag
from vespera.vault.resolve import fold

_SEPARATORS = str.maketrans("", "", "-_:/. ")


@dataclass(frozen=True, slots=True)
class TagAdvice:
    """A suggested spelling for a tag, and why."""

    suggestion: str
    reason: str


@lru_cache(maxsize=8192)
def squash(norm: str) -> str:
    """``norm`` without accents, separators or case: what near-duplicates share."""
    decomposed = unicodedata.normalize("NFKD", norm)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.casefold().translate(_SEPARATORS)


def advise(tag: Tag, catalog: Catalog) -> TagAdvice | None:
    """A better-established spelling of ``tag``, if the vault has one."""
    info = catalog.tags.get(tag.norm)
    if info is not None and tag.name != info.name:
        own = dict(info.spellings).get(tag.name, 0)
        top = info.spellings[0][1] if info.spellings else 0
        if top > own:
            return TagAdvice(info.name, f"written #{info.name} in {_count(top, 'use')}")
    if info is not None and info.notes > 1:
        return None  # established in its own right
    best: TagInfo | None = None
    reason = ""
    for other in _candidates(catalog, tag.norm):
        if best is not None and other.uses <= best.uses:
            continue
        if squash(other.norm) == squash(tag.norm):
            best, reason = other, "differs only in accents, case or separators"
        elif _close(tag.norm, other.norm):
            best, reason = other, "differs by a letter or two"
    if best is None:
        return None
    return TagAdvice(best.name, f"{reason} from #{best.name} ({_count(best.notes, 'note')})")


def outside_vocabulary(norm: str, vocabulary: Iterable[str]) -> bool:
    """Whether a vault that declares a vocabulary lacks ``norm`` in it.

    Entries are tags (``status:draft``) or prefixes ending in ``*`` (``mood:*``, ``place/*``).
    An empty vocabulary allows every tag.
    """
    entries = list(vocabulary)
    if not entries:
        return False
    for entry in entries:
        folded = fold(entry.lstrip("#"))
        if folded.endswith("*"):
            if norm.startswith(folded[:-1]):
                return False
        elif norm == folded:
            return False
    return True


def _candidates(catalog: Catalog, norm: str) -> Iterable[TagInfo]:
    size = len(norm)
    for other in catalog.tags.values():
        if other.norm != norm and other.notes > 1 and abs(len(other.norm) - size) <= 2:
            yield other


def _close(a: str, b: str) -> bool:
    """Within one edit (two for longer tags), transpositions counting as one."""
    if min(len(a), len(b)) < 4:
        return False
    limit = 2 if min(len(a), len(b)) >= 8 else 1
    return _distance(a, b, limit) <= limit


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, giving up once it exceeds ``limit``."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
