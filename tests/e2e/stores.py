"""Helpers shared by the end-to-end tests: changing files on disk and reading both stores.

Reads go around the code under test where that makes the check independent of it: SQLite
through the ``sqlite3`` module (read-only), Kuzu through plain Cypher.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import vespera
from vespera.index.doctor import Finding, diagnose
from vespera.session import INDEX_FILE, VaultSession
from vespera.vault.walk import is_note_path

SERVER_DIR = Path(vespera.__file__).resolve().parents[1]


def write_note(vault: Path, rel: str, text: str) -> Path:
    """Write a note, making sure its mtime moves even on a coarse-grained file system."""
    path = vault / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    before = path.stat().st_mtime_ns if path.exists() else None
    path.write_text(text, encoding="utf-8")
    if before is not None:
        bump_mtime(path, before)
    return path


def bump_mtime(path: Path, before: int | None = None) -> None:
    """Move ``path``'s mtime at least a second past ``before`` (default: its current mtime)."""
    st = path.stat()
    start = st.st_mtime_ns if before is None else before
    later = max(st.st_mtime_ns, start + 1_000_000_000)
    os.utime(path, ns=(st.st_atime_ns, later))


def note_files(vault: Path, skip: tuple[str, ...] = ()) -> set[str]:
    """Vault-relative paths of the markdown files on disk, outside dot-folders and ``skip``."""
    found: set[str] = set()
    for path in vault.rglob("*"):
        rel = path.relative_to(vault).as_posix()
        if any(part.startswith(".") for part in rel.split("/")) or rel.startswith(skip):
            continue
        if path.is_file() and is_note_path(rel):
            found.add(rel)
    return found


def sql(state_dir: Path, query: str, *params: object) -> list[tuple[Any, ...]]:
    """Run a read-only query on the index database, outside the session's connection."""
    uri = (state_dir / INDEX_FILE).as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    try:
        return list(conn.execute(query, params).fetchall())
    finally:
        conn.close()


def links_from(state_dir: Path, source: str) -> set[tuple[str, str | None, int]]:
    """``(target as written, resolved path, candidates)`` of every link in ``source``."""
    rows = sql(
        state_dir,
        "SELECT l.target, l.resolved_path, l.candidates FROM links l "
        "JOIN notes n ON n.id = l.note_id WHERE n.path = ?",
        source,
    )
    return {(r[0], r[1], r[2]) for r in rows}


def graph_notes(session: VaultSession) -> set[str]:
    """Paths of the Note nodes in Kuzu."""
    return {r[0] for r in session.graph.query("MATCH (n:Note) RETURN n.path")}


def graph_links(session: VaultSession) -> set[tuple[str, str]]:
    """``(source, target)`` of every LINKS_TO edge in Kuzu."""
    rows = session.graph.query("MATCH (a:Note)-[:LINKS_TO]->(b:Note) RETURN a.path, b.path")
    return {(r[0], r[1]) for r in rows}


def graph_field_links(session: VaultSession) -> set[tuple[str, str, str]]:
    """``(source, field, target)`` of every FIELD_LINK edge in Kuzu."""
    rows = session.graph.query(
        "MATCH (a:Note)-[r:FIELD_LINK]->(b:Note) RETURN a.path, r.field, b.path"
    )
    return {(r[0], r[1], r[2]) for r in rows}


def graph_tags(session: VaultSession, path: str) -> set[str]:
    """Names of the tags a note has in Kuzu."""
    rows = session.graph.query(
        "MATCH (n:Note {path: $path})-[:HAS_TAG]->(t:Tag) RETURN t.name", {"path": path}
    )
    return {r[0] for r in rows}


def touching(session: VaultSession, path: str) -> int:
    """How many Kuzu edges of any kind start or end at the note ``path``."""
    rows = session.graph.query(
        "MATCH (n:Note {path: $path})-[r]-() RETURN count(r)", {"path": path}
    )
    return int(rows[0][0]) if rows else 0


async def findings(session: VaultSession) -> list[Finding]:
    """What ``vespera doctor`` finds, asserting SQLite's own integrity check passed."""
    report = await diagnose(session)
    assert report.integrity == "ok"
    return report.findings


async def assert_healthy(session: VaultSession) -> None:
    """Files, SQLite and Kuzu agree."""
    report = await diagnose(session)
    assert report.findings == []
    assert report.healthy


def cli_env() -> dict[str, str]:
    """The environment for a ``python -m vespera`` child: this one, with the server importable."""
    env = dict(os.environ)
    parts = [str(SERVER_DIR), *(p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p)]
    env["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in parts)
    return env


def vespera_cli(*args: str, prefix: tuple[str, ...] = ()) -> list[str]:
    """The argv that runs ``vespera ARGS`` in a fresh interpreter."""
    return [*prefix, sys.executable, "-m", "vespera", *args]


def run_cli(
    *args: str, prefix: tuple[str, ...] = (), timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``vespera ARGS`` in a child process and capture its output."""
    return subprocess.run(
        vespera_cli(*args, prefix=prefix),
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
