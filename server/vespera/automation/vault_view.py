"""A read-only view of the vault for rules: notes, their tags, fields and links, and the graph.

Conditions and templates are synchronous, so a run plans in a worker thread against this view:
its own read-only SQLite connection to the index (readers never wait for the indexer's writes),
and graph queries inside a read-only Kuzu transaction. Nothing here can change a store.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vespera.automation.patterns import normalise_tag, tag_matcher
from vespera.vault.resolve import fold, strip_md

_MAX_ROWS = 10_000
"""The most rows a helper returns: a rule that asks for more is almost surely mistaken."""
_WRITE_WORDS = re.compile(
    r"\b(create|merge|delete|detach|set|remove|drop|alter|copy|install|load|attach|checkpoint)\b",
    re.IGNORECASE,
)


class VaultQueryError(ValueError):
    """A helper was asked something it cannot answer (a bad graph query, a write)."""


@dataclass(frozen=True)
class NoteView:
    """One note as rules see it. Templates read its attributes: ``note.title``, ``note.fields``."""

    path: str
    title: str
    type: str | None
    tags: list[str]
    fields: dict[str, Any]
    links: list[tuple[str | None, str | None]] = field(default_factory=list)
    """(frontmatter field or ``None`` for the body, resolved path or ``None``), in order."""

    @property
    def name(self) -> str:
        """The file name without ``.md``: what a wikilink to the note says."""
        return strip_md(self.path.rsplit("/", 1)[-1])

    @property
    def link(self) -> str:
        """A wikilink to the note: ``[[Alice]]``."""
        return f"[[{self.name}]]"

    @property
    def folder(self) -> str:
        """The folder the note is in (empty at the vault's top)."""
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""

    def has_tag(self, pattern: str) -> bool:
        """Whether a tag of the note matches ``pattern`` (``mood:*``)."""
        matcher = tag_matcher(pattern)
        return any(matcher.fullmatch(normalise_tag(t)) for t in self.tags)

    def tag_value(self, key: str) -> str | None:
        """The value of the note's first ``key:value`` tag (``note.tag_value('mood')``)."""
        prefix = normalise_tag(key) + ":"
        for tag in self.tags:
            if normalise_tag(tag).startswith(prefix):
                return tag.split(":", 1)[1]
        return None

    def __str__(self) -> str:
        return self.link

    def as_dict(self) -> dict[str, Any]:
        """The note as plain data (for traces and event payloads)."""
        return {"path": self.path, "title": self.title, "type": self.type, "tags": self.tags}


_UNREAD = object()


class VaultView:
    """Read-only queries over the index and graph; one instance per worker thread."""

    def __init__(self, index_file: Path, graph_query: Callable[[str, dict[str, Any]], list[Any]]):
        self._conn = sqlite3.connect(
            f"file:{index_file}?mode=ro", uri=True, check_same_thread=False
        )
        self._conn.execute("PRAGMA query_only = ON")
        self._graph_query = graph_query
        self._lock = threading.Lock()
        self._cache: dict[str, NoteView | None] = {}
        self._resolved: dict[str, str | None] = {}

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def forget(self) -> None:
        """Drop what was read (the index changed since)."""
        self._cache.clear()
        self._resolved.clear()

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchmany(_MAX_ROWS)

    # -- single notes -------------------------------------------------------------------------

    def note(self, ref: Any) -> NoteView | None:
        """The note ``ref`` names: a note, a path, a title, a file name or a ``[[wikilink]]``."""
        path = self.resolve(ref)
        if path is None:
            return None
        found = self._cache.get(path, _UNREAD)
        if found is _UNREAD:
            found = self._cache[path] = self._load(path)
        return found  # type: ignore[return-value]

    def resolve(self, ref: Any) -> str | None:
        """The path of the note ``ref`` names, or ``None``."""
        if isinstance(ref, NoteView):
            return ref.path
        if isinstance(ref, dict) and isinstance(ref.get("path"), str):
            ref = ref["path"]
        if not isinstance(ref, str) or not ref.strip():
            return None
        if ref in self._resolved:
            return self._resolved[ref]
        found = self._resolve(ref)
        self._resolved[ref] = found
        return found

    def _resolve(self, ref: str) -> str | None:
        target = ref.strip()
        if target.startswith("[[") and target.endswith("]]"):
            target = target[2:-2]
        target = re.split(r"[|#^]", target, maxsplit=1)[0].strip().strip("/")
        if not target:
            return None
        for candidate in (target, f"{target}.md"):
            if self._rows("SELECT 1 FROM notes WHERE path = ?", (candidate,)):
                return candidate
        name = fold(strip_md(target.rsplit("/", 1)[-1]))
        rows = self._rows("SELECT path FROM notes WHERE name = ?", (name,))
        if not rows:
            rows = self._rows(
                "SELECT n.path FROM aliases a JOIN notes n ON n.id = a.note_id WHERE a.norm = ?",
                (fold(target),),
            )
        if not rows:
            rows = self._rows("SELECT path FROM notes WHERE lower(title) = ?", (fold(target),))
        if not rows:
            return None
        paths = [r[0] for r in rows]
        if "/" in target:
            paths = [p for p in paths if strip_md(p).casefold().endswith(target.casefold())]
        return min(paths, key=lambda p: (len(p), p)) if paths else None

    def _load(self, path: str) -> NoteView | None:
        rows = self._rows("SELECT id, title, type, frontmatter FROM notes WHERE path = ?", (path,))
        if not rows:
            return None
        note_id, title, kind, frontmatter = rows[0]
        tags = list(
            dict.fromkeys(
                r[0]
                for r in self._rows(
                    "SELECT name FROM tags WHERE note_id = ? ORDER BY rowid", (note_id,)
                )
            )
        )
        links = [
            (r[0], r[1])
            for r in self._rows(
                "SELECT field, resolved_path FROM links WHERE note_id = ? AND target != '' "
                "ORDER BY rowid",
                (note_id,),
            )
        ]
        try:
            fields = json.loads(frontmatter) if frontmatter else {}
        except ValueError:
            fields = {}
        return NoteView(path, title, kind, tags, fields if isinstance(fields, dict) else {}, links)

    def _many(self, paths: Iterator[str] | list[str]) -> list[NoteView]:
        out = []
        for path in dict.fromkeys(paths):
            note = self.note(path)
            if note is not None:
                out.append(note)
        return out

    # -- helpers for templates ----------------------------------------------------------------

    def notes(
        self, type: str | None = None, tag: str | None = None, folder: str | None = None
    ) -> list[NoteView]:
        """Notes of a codex ``type``, with a tag matching ``tag``, under ``folder``; by path."""
        sql = "SELECT path FROM notes"
        where: list[str] = []
        params: list[Any] = []
        if type:
            where.append("lower(type) = ?")
            params.append(type.casefold())
        if folder:
            where.append("path LIKE ? ESCAPE '\\'")
            escaped = folder.strip("/").replace("\\", "\\\\").replace("%", "\\%")
            params.append(escaped.replace("_", "\\_") + "/%")
        if where:
            sql += " WHERE " + " AND ".join(where)
        found = [r[0] for r in self._rows(sql + " ORDER BY path", tuple(params))]
        notes = self._many(found)
        if tag:
            notes = [n for n in notes if n.has_tag(tag)]
        return notes

    def linked(self, note: Any, field: str | None = None) -> list[NoteView]:
        """The notes ``note`` links to (in frontmatter ``field`` only, if given), in order."""
        source = self.note(note)
        if source is None:
            return []
        return self._many(
            [p for f, p in source.links if p is not None and (field is None or f == field)]
        )

    def backlinks(self, note: Any, field: str | None = None) -> list[NoteView]:
        """The notes that link to ``note`` (through frontmatter ``field`` only, if given)."""
        path = self.resolve(note)
        if path is None:
            return []
        sql = (
            "SELECT n.path FROM links l JOIN notes n ON n.id = l.note_id WHERE l.resolved_path = ?"
        )
        params: tuple[Any, ...] = (path,)
        if field is not None:
            sql += " AND l.field = ?"
            params = (path, field)
        return self._many([r[0] for r in self._rows(sql + " ORDER BY n.path", params)])

    def graph(self, cypher: str, **params: Any) -> list[Any]:
        """Rows of a read-only graph query (one value per row when it returns one column)."""
        if _WRITE_WORDS.search(re.sub(r"'[^']*'|\"[^\"]*\"", "", cypher)):
            raise VaultQueryError("a rule's graph query may only read (MATCH ... RETURN ...)")
        try:
            rows = self._graph_query(cypher, params)
        except RuntimeError as exc:  # the graph's own message: an unknown table, bad syntax
            raise VaultQueryError(f"the graph query failed: {exc}") from exc
        return [r[0] if len(r) == 1 else list(r) for r in rows[:_MAX_ROWS]]

    def helpers(self) -> dict[str, Any]:
        """The functions templates can call, by name."""
        return {
            "notes": self.notes,
            "note_named": self.note,
            "linked": self.linked,
            "backlinks": self.backlinks,
            "graph": self.graph,
        }
