"""Fixtures of the end-to-end tests: vault copies, state folders and open sessions.

Every test gets its own state folder under ``tmp_path``, and ``VESPERA_DATA_DIR`` points into
``tmp_path`` too, so nothing ever touches the user's data directory.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from vespera.session import VaultSession
from vespera.store.state import DATA_DIR_ENV

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_VAULT = REPO / "docs" / "example-vault"
FIXTURE_VAULTS = REPO / "tests" / "vaults"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private ``VESPERA_DATA_DIR`` for the test and for any process it starts."""
    folder = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """A copy of the example vault that the test may change."""
    return Path(shutil.copytree(EXAMPLE_VAULT, tmp_path / "vault", symlinks=True))


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    """The state folder (index and graph) of the test's vault."""
    return tmp_path / "state"


@pytest.fixture
async def session(vault: Path, state_dir: Path) -> AsyncIterator[VaultSession]:
    """An open session on the example vault copy, fully indexed once."""
    opened = await VaultSession.open(vault, state_dir)
    try:
        report = await opened.index()
        assert report.parsed == report.files > 0
        yield opened
    finally:
        await opened.close()
