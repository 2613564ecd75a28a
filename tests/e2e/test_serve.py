"""``vespera serve`` as a process: stdout carries nothing but the protocol."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from vespera.store.state import DATA_DIR_ENV

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


def _frames(*messages: dict[str, object]) -> bytes:
    out = b""
    for message in messages:
        body = json.dumps(message).encode()
        out += b"Content-Length: %d\r\n\r\n" % len(body) + body
    return out


def _replies(stdout: bytes) -> dict[object, dict[str, object]]:
    replies = {}
    while stdout:
        header, _, rest = stdout.partition(b"\r\n\r\n")
        fields = dict(line.split(b": ", 1) for line in header.split(b"\r\n"))
        length = int(fields[b"Content-Length"])
        message = json.loads(rest[:length])
        stdout = rest[length:]
        if "id" in message:
            replies[message["id"]] = message
    return replies


def test_serve_reads_a_session_from_a_file_as_well_as_from_a_pipe(tmp_path: Path) -> None:
    # Editors connect through pipes, read on the event loop; any other input is read in a
    # thread, as before.
    session = tmp_path / "session.bin"
    session.write_bytes(
        _frames(
            {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
            {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
            {"jsonrpc": "2.0", "method": "exit"},
        )
    )
    vault = tmp_path / "vault"
    vault.mkdir()
    with session.open("rb") as stdin:
        child = subprocess.run(
            vespera_cli("serve", str(vault)),
            stdin=stdin,
            capture_output=True,
            env={**cli_env(), DATA_DIR_ENV: str(tmp_path / "data")},
            timeout=60,
        )
    assert child.returncode == 0, child.stderr.decode()
    replies = _replies(child.stdout)
    result = replies[1]["result"]
    assert isinstance(result, dict) and "capabilities" in result
    assert replies[2]["result"] is None


def test_serve_ends_quietly_when_the_editor_dies_mid_message(tmp_path: Path) -> None:
    body = b'{"jsonrpc": "2.0", "id": 1, "method": "initia'
    child = subprocess.run(
        vespera_cli("serve", str(tmp_path)),
        input=b"Content-Length: 400\r\n\r\n" + body,
        capture_output=True,
        env={**cli_env(), DATA_DIR_ENV: str(tmp_path / "data")},
        timeout=60,
    )
    assert child.returncode == 0, child.stderr.decode()
    assert child.stdout == b""


def test_serve_exits_1_when_the_editor_exits_without_shutting_down(tmp_path: Path) -> None:
    # As the protocol asks: ``exit`` without ``shutdown`` first is an error exit.
    session = _frames(
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
        {"jsonrpc": "2.0", "method": "exit"},
    )
    child = subprocess.run(
        vespera_cli("serve", str(tmp_path / "vault")),
        input=session,
        capture_output=True,
        env={**cli_env(), DATA_DIR_ENV: str(tmp_path / "data")},
        timeout=60,
    )
    assert child.returncode == 1, child.stderr.decode()
    result = _replies(child.stdout)[1]["result"]
    assert isinstance(result, dict) and result["capabilities"]
