"""The vault's graph in Kuzu: notes, tags and the links between them.

Schema (one table per kind of edge; frontmatter link fields share one table):

- ``Note(path PK, title, type)`` and ``Tag(name PK, display, key, value)``; ``name`` is the
  case-folded tag, ``display`` a written form, ``key``/``value`` the ``key:value`` split.
- ``HAS_TAG(Note -> Tag)``.
- ``LINKS_TO(Note -> Note, count)``: resolved links in the body, one edge per pair of notes.
- ``FIELD_LINK(Note -> Note, field)``: a frontmatter field holding a link, one edge per
  (source, target, field). A single table with the field name as a property keeps the schema
  fixed while vaults invent fields freely; ``MATCH (s)-[:FIELD_LINK {field: 'characters'}]->(c)``
  reads as the typed relation would.

The graph is a projection of the SQLite index, never written from anywhere else: a full load
copies CSV files with ``COPY FROM`` (Kuzu's bulk path); later changes replace the rows of the
changed notes with a few batched statements.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kuzu

from vespera.store.graph_rows import GraphRows, NoteChange, NoteGraph, by_note, difference

GRAPH_SCHEMA_VERSION = "1"
_SCHEMA = (
    "CREATE NODE TABLE IF NOT EXISTS Note(path STRING PRIMARY KEY, title STRING, type STRING)",
    "CREATE NODE TABLE IF NOT EXISTS Tag(name STRING PRIMARY KEY, display STRING, key STRING, "
    "value STRING)",
    "CREATE REL TABLE IF NOT EXISTS HAS_TAG(FROM Note TO Tag)",
    "CREATE REL TABLE IF NOT EXISTS LINKS_TO(FROM Note TO Note, count INT64)",
    "CREATE REL TABLE IF NOT EXISTS FIELD_LINK(FROM Note TO Note, field STRING)",
)
_TABLES = ("HAS_TAG", "LINKS_TO", "FIELD_LINK", "Tag", "Note")
# Kuzu reserves 80% of memory for its buffer pool unless told otherwise; a vault's graph is small.
_BUFFER_POOL_BYTES = 96 * 1024 * 1024


_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


class CsvFields(dict[object, str]):
    """Values as CSV fields, quoted only where needed, each formatted once.

    The same paths and tags fill most of a graph's rows: looking a value up is several times
    faster than formatting it again, which for 150k rows is a tenth of a second of a bulk load.
    ``None`` is an empty field. A lone carriage return is quoted too (``csv.writer`` leaves it
    bare when lines end in a line feed, and Kuzu ends a row there). ``line_breaks`` tells
    whether any value held a line break.
    """

    line_breaks = False

    def __missing__(self, value: object) -> str:
        text = "" if value is None else str(value)
        if _NEEDS_QUOTES.search(text):
            self.line_breaks = self.line_breaks or "\n" in text or "\r" in text
            text = '"' + text.replace('"', '""') + '"'
        self[value] = text
        return text


class GraphUnavailableError(RuntimeError):
    """The graph database cannot be opened (held by another process, or damaged)."""


@dataclass(frozen=True, slots=True)
class GraphSnapshot:
    """The whole graph as sets, for comparing with the SQLite index."""

    notes: dict[str, tuple[str, str]]
    tags: set[str]
    has_tag: set[tuple[str, str]]
    links: set[tuple[str, str, int]]
    field_links: set[tuple[str, str, str]]


@dataclass(frozen=True, slots=True)
class GraphUpdate:
    """What :meth:`GraphStore.apply` did: notes changed, and tags those notes dropped."""

    notes: int
    dropped_tags: set[str]


class GraphStore:
    """Synchronous access to the Kuzu database; callers run it off the event loop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = kuzu.Database(
                str(path), buffer_pool_size=_BUFFER_POOL_BYTES, max_num_threads=2
            )
        except RuntimeError as exc:
            raise GraphUnavailableError(f"Cannot open the graph database at {path}: {exc}") from exc
        self._conn = kuzu.Connection(self._db)
        self._reader: kuzu.Connection | None = None
        self._read_lock = threading.Lock()
        for statement in _SCHEMA:
            self._conn.execute(statement)

    def close(self) -> None:
        """Close the connections and the database."""
        with self._read_lock:
            if self._reader is not None:
                self._reader.close()
        self._conn.close()
        self._db.close()

    def _run(self, query: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        result = self._conn.execute(query, params or {})
        assert isinstance(result, kuzu.QueryResult)
        rows: list[list[Any]] = []
        while result.has_next():
            rows.append(list(result.get_next()))
        return rows

    def is_empty(self) -> bool:
        """Whether the graph holds no notes."""
        return int(self._run("MATCH (n:Note) RETURN count(n)")[0][0]) == 0

    def load(self, rows: GraphRows) -> None:
        """Replace the whole graph with ``rows`` through ``COPY FROM`` (the bulk path)."""
        for table in _TABLES:
            self._conn.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in _SCHEMA:
            self._conn.execute(statement)
        tags: dict[str, tuple[str, str, str | None, str | None]] = {}
        for _, norm, name, key, value in rows.tags:
            tags.setdefault(norm, (norm, name, key, value))
        with tempfile.TemporaryDirectory(prefix="vespera-graph-") as tmp:
            folder = Path(tmp)
            self._copy(folder, "Note", rows.notes)
            self._copy(folder, "Tag", list(tags.values()))
            self._copy(folder, "HAS_TAG", [(path, norm) for path, norm, *_ in rows.tags])
            self._copy(folder, "LINKS_TO", rows.links)
            self._copy(folder, "FIELD_LINK", rows.field_links)

    def _copy(self, folder: Path, table: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        path = folder / f"{table}.csv"
        fields = CsvFields()
        field = fields.__getitem__
        with path.open("w", newline="", encoding="utf-8") as handle:
            handle.writelines([",".join(map(field, row)) + "\n" for row in rows])
        # Kuzu's parallel CSV reader cannot handle line breaks inside quoted values; a title
        # may hold one (even a path may), and then the single-threaded reader is used.
        quoted = str(path).replace("'", "''")
        parallel = "false" if fields.line_breaks else "true"
        self._conn.execute(f"COPY {table} FROM '{quoted}' (HEADER=false, PARALLEL={parallel})")

    def apply(
        self,
        removed: Sequence[str],
        rows: GraphRows,
        before: Mapping[str, NoteGraph] | None = None,
    ) -> GraphUpdate:
        """Bring the notes in ``rows`` up to date and delete the ``removed`` notes.

        ``rows`` holds every row of the notes it names (their tags and outgoing links). A note
        whose rows in the graph are known (``before``) receives only the differences; the
        others have their outgoing edges dropped and rebuilt. Removals and rebuilds are one
        transaction, differences a second (see below). Tags the notes no longer carry are
        returned, for the caller to ask the index which of them are now unused
        (:meth:`drop_tags`): SQLite answers that from an index, Kuzu only by scanning.
        """
        before = before or {}
        after = by_note(rows)
        changes = [difference(p, before[p], g) for p, g in after.items() if p in before]
        changes = [c for c in changes if c]
        rebuilt = [p for p in after if p not in before]
        dropped = {t for c in changes for t in c.tags_gone}
        if rebuilt or removed:
            dropped.update(
                r[0]
                for r in self._run(
                    "UNWIND $paths AS p MATCH (:Note {path: p})-[:HAS_TAG]->(t:Tag) "
                    "RETURN DISTINCT t.name",
                    {"paths": [*rebuilt, *removed]},
                )
            )
            dropped -= {row[1] for row in rows.tags}
        if removed or rebuilt:
            self._in_transaction(lambda: self._remove_and_rebuild(removed, rebuilt, rows))
        # Kuzu 0.11.3 misreads data written earlier in the same transaction through filtered
        # scans, so differences go in a transaction of their own, written with key lookups.
        # Crashing between the two leaves the notes pending: they are then rebuilt whole.
        if changes:
            self._in_transaction(lambda: self._change(changes))
        return GraphUpdate(len(removed) + len(rebuilt) + len(changes), dropped)

    def drop_tags(self, names: Collection[str]) -> None:
        """Delete the tags ``names``, which the index says no note carries any more."""
        if names:
            self._conn.execute(
                "UNWIND $names AS name MATCH (t:Tag {name: name}) DETACH DELETE t",
                {"names": sorted(names)},
            )

    def _change(self, changes: list[NoteChange]) -> None:
        """Write only what changed; every removal comes before any creation (see ``apply``)."""
        run = self._conn.execute
        for c in changes:
            if c.node is not None:
                run(
                    "MATCH (n:Note {path: $p}) SET n.title = $title, n.type = $type",
                    {"p": c.path, "title": c.node[0], "type": c.node[1]},
                )
            if c.tags_gone:
                run(
                    "MATCH (:Note {path: $p})-[r:HAS_TAG]->(t:Tag) WHERE t.name IN $names DELETE r",
                    {"p": c.path, "names": c.tags_gone},
                )
            if c.links_gone:
                run(
                    "MATCH (:Note {path: $p})-[r:LINKS_TO]->(b:Note) WHERE b.path IN $dsts "
                    "DELETE r",
                    {"p": c.path, "dsts": c.links_gone},
                )
            for dst, name in c.fields_gone:
                run(
                    "MATCH (:Note {path: $p})-[r:FIELD_LINK {field: $field}]->(:Note {path: $d}) "
                    "DELETE r",
                    {"p": c.path, "d": dst, "field": name},
                )
        for c in changes:
            if c.tags_new:
                rows = [
                    {"name": n, "display": d, "key": k, "value": v} for _, n, d, k, v in c.tags_new
                ]
                run(
                    "UNWIND $rows AS r MERGE (t:Tag {name: r.name}) "
                    "ON CREATE SET t.display = r.display, t.key = r.key, t.value = r.value",
                    {"rows": rows},
                )
                run(
                    "MATCH (n:Note {path: $p}) UNWIND $names AS name "
                    "MATCH (t:Tag {name: name}) CREATE (n)-[:HAS_TAG]->(t)",
                    {"p": c.path, "names": [r["name"] for r in rows]},
                )
            if c.links_new:
                run(
                    "MATCH (a:Note {path: $p}) UNWIND $rows AS r MATCH (b:Note {path: r.dst}) "
                    "CREATE (a)-[:LINKS_TO {count: r.count}]->(b)",
                    {"p": c.path, "rows": [{"dst": d, "count": n} for d, n in c.links_new]},
                )
            if c.fields_new:
                run(
                    "MATCH (a:Note {path: $p}) UNWIND $rows AS r MATCH (b:Note {path: r.dst}) "
                    "CREATE (a)-[:FIELD_LINK {field: r.field}]->(b)",
                    {"p": c.path, "rows": [{"dst": d, "field": f} for d, f in c.fields_new]},
                )

    def _in_transaction(self, work: Callable[[], None]) -> None:
        self._conn.execute("BEGIN TRANSACTION")
        try:
            work()
        except BaseException:
            self._rollback()
            raise
        self._conn.execute("COMMIT")

    def _remove_and_rebuild(
        self, removed: Sequence[str], rebuilt: list[str], rows: GraphRows
    ) -> None:
        if removed:
            self._conn.execute(
                "UNWIND $paths AS p MATCH (n:Note {path: p}) DETACH DELETE n",
                {"paths": list(removed)},
            )
        if rebuilt:
            self._replace(rebuilt, _only(rows, set(rebuilt)))

    def _rollback(self) -> None:
        # A failed statement may already have ended the transaction; the original error is
        # the one worth reporting, so a ROLLBACK with nothing to undo is not an error.
        with contextlib.suppress(RuntimeError):
            self._conn.execute("ROLLBACK")

    def _replace(self, paths: list[str], rows: GraphRows) -> None:
        run = self._conn.execute
        for rel in ("HAS_TAG", "LINKS_TO", "FIELD_LINK"):
            run(
                f"UNWIND $paths AS p MATCH (:Note {{path: p}})-[r:{rel}]->() DELETE r",
                {"paths": paths},
            )
        run(
            "UNWIND $rows AS r MERGE (n:Note {path: r.path}) "
            "SET n.title = r.title, n.type = r.type",
            {"rows": [{"path": p, "title": t, "type": ty} for p, t, ty in rows.notes]},
        )
        # Targets of links may be notes this batch does not touch; they exist already, because
        # links only resolve to indexed notes, and a removed target took its edges with it.
        if rows.tags:
            run(
                "UNWIND $rows AS r MERGE (t:Tag {name: r.name}) "
                "ON CREATE SET t.display = r.display, t.key = r.key, t.value = r.value",
                {
                    "rows": [
                        {"name": n, "display": d, "key": k, "value": v}
                        for _, n, d, k, v in rows.tags
                    ]
                },
            )
            run(
                "UNWIND $rows AS r MATCH (n:Note {path: r.path}), (t:Tag {name: r.name}) "
                "CREATE (n)-[:HAS_TAG]->(t)",
                {"rows": [{"path": p, "name": n} for p, n, *_ in rows.tags]},
            )
        if rows.links:
            run(
                "UNWIND $rows AS r MATCH (a:Note {path: r.src}), (b:Note {path: r.dst}) "
                "CREATE (a)-[:LINKS_TO {count: r.count}]->(b)",
                {"rows": [{"src": s, "dst": d, "count": c} for s, d, c in rows.links]},
            )
        if rows.field_links:
            run(
                "UNWIND $rows AS r MATCH (a:Note {path: r.src}), (b:Note {path: r.dst}) "
                "CREATE (a)-[:FIELD_LINK {field: r.field}]->(b)",
                {"rows": [{"src": s, "dst": d, "field": f} for s, d, f in rows.field_links]},
            )

    def snapshot(self) -> GraphSnapshot:
        """Everything in the graph, for ``vespera doctor``."""
        notes = {
            r[0]: (r[1] or "", r[2] or "")
            for r in self._run("MATCH (n:Note) RETURN n.path, n.title, n.type")
        }
        tags = {r[0] for r in self._run("MATCH (t:Tag) RETURN t.name")}
        has_tag = {
            (r[0], r[1])
            for r in self._run("MATCH (n:Note)-[:HAS_TAG]->(t:Tag) RETURN n.path, t.name")
        }
        links = {
            (r[0], r[1], int(r[2]))
            for r in self._run(
                "MATCH (a:Note)-[r:LINKS_TO]->(b:Note) RETURN a.path, b.path, r.count"
            )
        }
        field_links = {
            (r[0], r[1], r[2])
            for r in self._run(
                "MATCH (a:Note)-[r:FIELD_LINK]->(b:Note) RETURN a.path, b.path, r.field"
            )
        }
        return GraphSnapshot(notes, tags, has_tag, links, field_links)

    def query(self, cypher: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        """Run a read query and return its rows."""
        return self._run(cypher, params)

    def read(self, cypher: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        """Run a query on a connection of its own, in a read-only transaction.

        For queries written in rules: whatever they say, they cannot change the graph, and
        they do not share the indexer's connection.
        """
        with self._read_lock:
            if self._reader is None:
                self._reader = kuzu.Connection(self._db)
            conn = self._reader
            conn.execute("BEGIN TRANSACTION READ ONLY")
            try:
                result = conn.execute(cypher, params or {})
                assert isinstance(result, kuzu.QueryResult)
                rows: list[list[Any]] = []
                while result.has_next():
                    rows.append(list(result.get_next()))
                return rows
            finally:
                # A failed query may have ended the transaction already.
                with contextlib.suppress(RuntimeError):
                    conn.execute("ROLLBACK")


def _only(rows: GraphRows, paths: set[str]) -> GraphRows:
    return GraphRows(
        [r for r in rows.notes if r[0] in paths],
        [r for r in rows.tags if r[0] in paths],
        [r for r in rows.links if r[0] in paths],
        [r for r in rows.field_links if r[0] in paths],
    )


def reset_graph(path: Path) -> None:
    """Delete the graph database files so that the next open starts empty."""
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    for sidecar in path.parent.glob(path.name + ".*"):
        sidecar.unlink(missing_ok=True)
