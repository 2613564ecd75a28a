"""Fixtures of the automation engine's e2e tests: a small indexed vault with an engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import vespera.index.indexer as indexer_module
from vespera.automation.runner import AutomationEngine
from vespera.session import VaultSession

from ..stores import write_note
from .vault import FILES, Vault


@pytest.fixture(autouse=True)
def in_process_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dozen notes are read in-process: starting parse workers would cost more than the test."""
    monkeypatch.setattr(indexer_module, "_workers", lambda: 1)


@pytest.fixture
async def v(tmp_path: Path) -> AsyncIterator[Vault]:
    root = tmp_path / "vault"
    for rel, text in FILES.items():
        write_note(root, rel, text)
    session = await VaultSession.open(root, tmp_path / "state")
    try:
        await session.index()
        engine = AutomationEngine(session)
        await engine.start(subscribe=False)
        try:
            yield Vault(session.root, session, engine)
        finally:
            await engine.close()
    finally:
        await session.close()
