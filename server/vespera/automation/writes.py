"""Writing notes the automation changed, without ever losing the writer's words.

A note open in an editor is changed through the editor (see the language server's host); a
closed one is written here: only if its bytes are still those the run read (a changed file
means the run plans again), through a temporary file renamed over it, and never outside the
vault, whatever symlinks or ``..`` a path holds.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from vespera.automation.planning import NoteText
from vespera.index.reader import content_hash

MAX_NOTE_BYTES = 5 * 1024 * 1024
"""Notes larger than this are not read for rules (the indexer skips them too)."""


class WriteRefusedError(RuntimeError):
    """A write the engine will not make (it would leave the vault, or the path is a folder)."""


class WriteConflictError(RuntimeError):
    """The note changed since the run read it; the run must plan again."""


def inside(root: Path, rel: str) -> Path:
    """The real path of vault-relative ``rel``; :class:`WriteRefusedError` if outside ``root``.

    Symlinks are followed, so a link inside the vault pointing out of it is refused too.
    """
    base = root.resolve()
    target = (base / rel).resolve()
    if not target.is_relative_to(base) or target == base:
        raise WriteRefusedError(f"{rel!r} is outside the vault; automation writes stay inside it")
    return target


def read_disk(root: Path, rel: str) -> NoteText | None:
    """A note's text and hash as on disk, or ``None`` if it does not exist or cannot be read."""
    try:
        path = inside(root, rel)
        if not path.is_file() or path.stat().st_size > MAX_NOTE_BYTES:
            return None
        data = path.read_bytes()
        return NoteText(data.decode("utf-8"), content_hash(data))
    except (OSError, UnicodeDecodeError, WriteRefusedError):
        return None


def write_disk(root: Path, rel: str, original: NoteText | None, text: str) -> bytes:
    """Write ``text`` to a note if it still is ``original`` (``None``: it must not exist).

    Returns the bytes written. The file is replaced atomically: a crash leaves the old text or
    the new, never half of one.
    """
    path = inside(root, rel)
    data = text.encode("utf-8")
    if original is None:
        if path.exists():
            raise WriteConflictError(f"{rel} appeared since the run read the vault")
    else:
        try:
            current = path.read_bytes()
        except OSError as exc:
            raise WriteConflictError(f"{rel} cannot be read any more: {exc}") from exc
        if content_hash(current) != original.digest:
            raise WriteConflictError(f"{rel} changed since the run read it")
    path.parent.mkdir(parents=True, exist_ok=True)
    inside(root, path.parent.relative_to(root.resolve()).as_posix() + "/x")  # re-check the folder
    fd, tmp = tempfile.mkstemp(prefix=".vespera-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if original is not None:
            with contextlib.suppress(OSError):
                Path(tmp).chmod(path.stat().st_mode & 0o7777)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
    return data
