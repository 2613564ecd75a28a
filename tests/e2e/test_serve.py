"""``vespera serve``: indexes, keeps stdout silent for the protocol, ends when stdin closes."""

from __future__ import annotations

import sqlite3
import subprocess
import time
from pathlib import Path

from .stores import cli_env, note_files, sql, vespera_cli


def test_serve_indexes_prints_nothing_on_stdout_and_ends_when_stdin_closes(
    vault: Path, state_dir: Path
) -> None:
    expected = len(note_files(vault, skip=("Templates/",)))
    child = subprocess.Popen(
        vespera_cli("serve", str(vault), "--state-dir", str(state_dir)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
    )
    try:
        deadline = time.monotonic() + 60  # a safety net; the loop ends as soon as it is indexed
        indexed = 0
        while indexed != expected and time.monotonic() < deadline:
            time.sleep(0.05)
            try:
                indexed = sql(state_dir, "SELECT count(*) FROM notes")[0][0]
            except sqlite3.OperationalError:
                # Not created yet, or created but not yet migrated: both mean "keep waiting".
                continue
        assert indexed == expected, "serve did not index the vault"
        # communicate() closes stdin: what an editor does when it ends the sidecar.
        stdout, stderr = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, stderr.decode()
    assert stdout == b""
