"""``vespera serve`` as a process: stdout carries nothing but the protocol."""

from __future__ import annotations

import subprocess

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
