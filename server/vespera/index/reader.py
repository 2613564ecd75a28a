"""Reading and parsing note files; plain functions so worker processes can run them too."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

import msgspec

from vespera.store.note_rows import NoteRows, note_rows
from vespera.vault.model import ParsedNote, Problem
from vespera.vault.parser import empty_note, parse_bytes, parse_text, too_large

Outcome = Literal["parsed", "same", "gone", "error"]
T = TypeVar("T", str, bytes)


class ReadResult(msgspec.Struct, frozen=True):
    """What reading one file gave.

    ``parsed``: new content (``rows`` set); ``same``: content hash unchanged (only the stat moved);
    ``gone``: the file vanished; ``error``: it could not be read (``problem`` set, and the index
    keeps what it had, so nothing already indexed is lost).
    """

    path: str
    outcome: Outcome
    content_hash: str = ""
    mtime_ns: int = 0
    size: int = 0
    rows: NoteRows | None = None
    problem: Problem | None = None


def content_hash(data: bytes) -> str:
    """The hash the index compares to decide whether a note changed."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def meaning_hash(data: bytes) -> str:
    """A hash of ``data`` that ignores how words are spaced: re-wrapping a paragraph, trailing
    spaces or blank lines leave it unchanged, so such edits make no ``content_updated`` event.
    """
    return hashlib.blake2b(b" ".join(data.split()), digest_size=16).hexdigest()


def read_limited(file: Path, max_bytes: int) -> tuple[bytes | None, int, int]:
    """``file``'s bytes (``None`` if over ``max_bytes``), its size and mtime; raises OSError.

    The size is taken from the open file, and checked again after reading: a note may grow
    between the two.
    """
    with file.open("rb") as handle:
        st = os.fstat(handle.fileno())
        if st.st_size > max_bytes:
            return None, st.st_size, st.st_mtime_ns
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        return None, len(data), st.st_mtime_ns
    return data, len(data), st.st_mtime_ns


def read_note(root: Path, path: str, known_hash: str | None, max_bytes: int) -> ReadResult:
    """Read, hash and (if changed) parse the note at vault-relative ``path``."""
    try:
        data, size, mtime_ns = read_limited(root / path, max_bytes)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return ReadResult(path, "gone")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return ReadResult(
            path,
            "error",
            problem=Problem(
                "unreadable-file",
                f"Cannot read this note ({reason}); the index keeps its last readable version.",
                "error",
            ),
        )
    if data is None:
        return _oversized(path, size, mtime_ns, max_bytes, known_hash)
    digest = content_hash(data)
    if digest == known_hash:
        return ReadResult(path, "same", digest, mtime_ns, size)
    rows = _rows_of(path, parse_bytes, data, meaning_hash(data))
    return ReadResult(path, "parsed", digest, mtime_ns, size, rows)


def _rows_of(
    path: str, parse: Callable[[str, T], ParsedNote], content: T, meaning: str
) -> NoteRows:
    """The rows of a note; a parser bug costs that one note (by name only), never a scan."""
    try:
        return note_rows(parse(path, content), meaning)
    except Exception as exc:
        problem = Problem(
            "parse-failed",
            f"This note could not be parsed ({type(exc).__name__}: {exc}); only its name is "
            "indexed. Please report it with the note if you can.",
            "error",
        )
        return note_rows(empty_note(path, problem), meaning)


def read_text(
    path: str,
    text: str,
    known_hash: str | None,
    max_bytes: int,
    mtime_ns: int = 0,
    parsed: ParsedNote | None = None,
) -> ReadResult:
    """Parse the text of a note as an editor holds it (unsaved changes included).

    ``mtime_ns`` is the time stored with it; the indexer gives one no file can have, so that a
    later scan always reads the file itself again. ``parsed`` is ``text`` already parsed (the
    editor's diagnostics usually have it), which is then not parsed again.
    """
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > max_bytes:
        return _oversized(path, len(data), mtime_ns, max_bytes, known_hash)
    digest = content_hash(data)
    if digest == known_hash:
        return ReadResult(path, "same", digest, mtime_ns, len(data))
    meaning = meaning_hash(data)
    if parsed is not None:
        rows = note_rows(parsed, meaning)
    else:
        rows = _rows_of(path, parse_text, text, meaning)
    return ReadResult(path, "parsed", digest, mtime_ns, len(data), rows)


def _oversized(
    path: str, size: int, mtime_ns: int, max_bytes: int, known_hash: str | None
) -> ReadResult:
    # Hashing a huge file on every scan would cost more than it tells; its size and time stand in.
    digest = f"oversized:{size}:{mtime_ns}"
    if digest == known_hash:
        return ReadResult(path, "same", digest, mtime_ns, size)
    rows = note_rows(empty_note(path, too_large(size, max_bytes)), digest)
    return ReadResult(path, "parsed", digest, mtime_ns, size, rows)


WORKER_NICENESS = 19


def start_worker(parent: int) -> None:
    """Worker initialiser: yield the processor to the editor, and end with the parent.

    Parsing is background work: at the lowest priority, a worker gives way whenever the
    sidecar (answering an editor) or the editor itself wants a core, and takes every cycle
    they leave. A worker blocks waiting for work and would outlive a parent killed with
    SIGKILL; a daemon thread notices the parent's death (the worker is re-parented) and exits.
    """
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def read_notes(root: str, items: list[tuple[str, str | None]], max_bytes: int) -> list[ReadResult]:
    """Read a chunk of notes."""
    base = Path(root)
    return [read_note(base, path, known, max_bytes) for path, known in items]


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(list[ReadResult])


def read_notes_packed(root: str, items: list[tuple[str, str | None]], max_bytes: int) -> bytes:
    """:func:`read_notes` for a worker process, its results packed with msgpack.

    Pickle would rebuild every tag, link and range object through Python calls on both sides;
    msgpack of typed structs is encoded and decoded in C, several times faster.
    """
    return _encoder.encode(read_notes(root, items, max_bytes))


def unpack_results(data: bytes) -> list[ReadResult]:
    """Decode what :func:`read_notes_packed` returned."""
    return _decoder.decode(data)
