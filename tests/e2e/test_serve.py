"""``vespera serve`` as a process: stdout carries nothing but the protocol."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .stores import cli_env, vespera_cli


def test_serve_ends_quietly_when_the_editor_closes_its_pipe() -> None:
    child = subprocess.run(
        vespera_cli("serve"),
        input=b"",
        capture_output=True,
        env=cli_env(),
        timeout=60,
    )
    assert child.returncode == 0, child.stderr.decode()
    assert child.stdout == b""


def test_the_scripted_session_shows_completions_and_diagnostics(vault: Path) -> None:
    child = subprocess.run(
        vespera_cli("lsp-demo", str(vault)),
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    assert "mood:tense" in child.stdout
    assert "Characters/Alice.md" in child.stdout
    assert "broken-link" in child.stdout and "Missing Harbour" in child.stdout
    assert child.stderr == ""
