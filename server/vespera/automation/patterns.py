"""Tag patterns and path globs, as rules write them.

A tag pattern is a glob over tag names, compared case-folded, with or without the leading
``#``: ``mood:*`` matches every mood, ``emotion:scared|state:frightened`` either of two tags,
``status:final`` exactly that tag. A path glob is vault-relative: ``*`` stays within one folder,
``**`` crosses folders (``Scenes/**`` is every note under ``Scenes``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


def normalise_tag(name: str) -> str:
    """A tag as patterns compare it: no leading ``#``, case-folded."""
    return name.strip().removeprefix("#").casefold()


def _glob_to_regex(glob: str, separator: str | None) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        c = glob[i]
        if c == "*":
            if glob.startswith("**", i):
                # "a/**/b" also matches "a/b": the folder part is optional.
                if glob.startswith("**/", i):
                    out.append(r"(?:.*/)?")
                    i += 3
                    continue
                out.append(".*")
                i += 2
                continue
            out.append(f"[^{re.escape(separator)}]*" if separator else ".*")
        elif c == "?":
            out.append(f"[^{re.escape(separator)}]" if separator else ".")
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@lru_cache(maxsize=4096)
def tag_matcher(pattern: str) -> re.Pattern[str]:
    """The compiled form of one tag pattern (alternatives split on ``|``)."""
    parts = [name for name in (normalise_tag(p) for p in pattern.split("|")) if name]
    if not parts:
        raise ValueError("a tag pattern needs at least one tag, such as 'mood:*'")
    return re.compile("|".join(f"(?:{_glob_to_regex(p, None)})" for p in parts))


def check_tag_pattern(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable tag pattern, or ``None``."""
    try:
        tag_matcher(pattern)
    except ValueError as exc:
        return str(exc)
    for part in pattern.split("|"):
        name = normalise_tag(part)
        if any(c.isspace() for c in name):
            return f"a tag has no spaces: {part.strip()!r}"
    return None


def tag_matches(pattern: str, tag: str) -> bool:
    """Whether ``tag`` (written with or without ``#``) matches ``pattern``."""
    return tag_matcher(pattern).fullmatch(normalise_tag(tag)) is not None


def any_tag_matches(patterns: Iterable[str], tags: Iterable[str]) -> bool:
    """Whether some tag of ``tags`` matches some pattern of ``patterns``."""
    names = [normalise_tag(t) for t in tags]
    return any(tag_matcher(p).fullmatch(n) for p in patterns for n in names)


def literal_tag(pattern: str) -> str | None:
    """The one tag a pattern stands for when it has no wildcard or alternative."""
    if any(c in pattern for c in "*?|"):
        return None
    return normalise_tag(pattern)


@lru_cache(maxsize=1024)
def path_matcher(glob: str) -> re.Pattern[str]:
    """The compiled form of a vault-relative path glob (``/`` separates folders)."""
    glob = glob.strip().lstrip("/")
    if glob.endswith("/"):
        glob += "**"
    return re.compile(_glob_to_regex(glob, "/"))


def path_matches(glob: str, path: str) -> bool:
    """Whether the vault-relative ``path`` matches ``glob``."""
    return path_matcher(glob).fullmatch(path) is not None
