"""Fixtures of the language-server tests: the real ``vespera serve`` over stdio.

Each test starts its own server on its own copy of a vault, with a private data folder, as one
of several editors (their recorded client capabilities). Tests wait on the server's
``vespera/status`` and diagnostics notifications, never on sleeps.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import client_capabilities

from .editor import Editor

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_VAULT = REPO / "docs" / "example-vault"

# Recorded capabilities of real editors (shipped with the test client library).
EDITORS = ["visual-studio-code", "neovim"]


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """A copy of the example vault that the test may change."""
    return Path(shutil.copytree(EXAMPLE_VAULT, tmp_path / "vault", symlinks=True))


@pytest.fixture(params=EDITORS)
def editor_name(request: pytest.FixtureRequest) -> str:
    """Which editor's capabilities the client announces."""
    return str(request.param)


def capabilities(name: str, status: bool = True, results: bool = False) -> lsp.ClientCapabilities:
    """An editor's recorded capabilities, opting in to ``vespera/status`` and
    ``vespera/automationResult`` when asked."""
    caps = client_capabilities(name)
    vespera = {"status": status, "automationResult": results}
    if status or results:
        caps.experimental = {"vespera": vespera}
    return caps


@pytest.fixture
async def editor(vault: Path, tmp_path: Path, editor_name: str) -> AsyncIterator[Editor]:
    """A started server with the vault open as the workspace folder, fully indexed."""
    client = await Editor.serve(tmp_path / "data")
    try:
        await client.initialize(capabilities(editor_name), vault)
        await client.wait_ready()
        yield client
    finally:
        await client.close()
