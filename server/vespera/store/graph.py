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
import csv
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kuzu

from vespera.store.index_db import GraphRows

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
        for statement in _SCHEMA:
            self._conn.execute(statement)

    def close(self) -> None:
        """Close the connection and the database."""
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
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
        # Kuzu's parallel CSV reader cannot handle line breaks inside quoted values; a title
        # may hold one (even a path may), and then the single-threaded reader is used.
        breaks = any(isinstance(v, str) and ("\n" in v or "\r" in v) for row in rows for v in row)
        quoted = str(path).replace("'", "''")
        parallel = "false" if breaks else "true"
        self._conn.execute(f"COPY {table} FROM '{quoted}' (HEADER=false, PARALLEL={parallel})")

    def apply(self, removed: Sequence[str], rows: GraphRows) -> None:
        """Replace the graph rows of the notes in ``rows`` and delete the ``removed`` notes.

        ``rows`` holds every row of the notes it names (their tags and outgoing links), so each
        of those notes' old outgoing edges is dropped and rebuilt; one transaction for all.
        """
        paths = [note[0] for note in rows.notes]
        # The tags these notes carry now may be carried by no note afterwards.
        earlier_tags = [
            r[0]
            for r in self._run(
                "UNWIND $paths AS p MATCH (:Note {path: p})-[:HAS_TAG]->(t:Tag) "
                "RETURN DISTINCT t.name",
                {"paths": [*paths, *removed]},
            )
        ]
        self._conn.execute("BEGIN TRANSACTION")
        try:
            if removed:
                self._conn.execute(
                    "UNWIND $paths AS p MATCH (n:Note {path: p}) DETACH DELETE n",
                    {"paths": list(removed)},
                )
            if paths:
                self._replace(paths, rows)
        except BaseException:
            self._rollback()
            raise
        self._conn.execute("COMMIT")
        # Tags no note carries any more go in a statement of their own: inside the transaction
        # above, Kuzu does not see the HAS_TAG edges it just created when scanning backwards,
        # and would take used tags for unused ones. A tag left over by a crash here is harmless
        # and goes with the next update.
        if earlier_tags:
            self._conn.execute(
                "UNWIND $names AS name MATCH (t:Tag {name: name}) "
                "WHERE NOT EXISTS { MATCH (:Note)-[:HAS_TAG]->(t) } DELETE t",
                {"names": earlier_tags},
            )

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


def reset_graph(path: Path) -> None:
    """Delete the graph database files so that the next open starts empty."""
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    for sidecar in path.parent.glob(path.name + ".*"):
        sidecar.unlink(missing_ok=True)
