"""A first scan that fails midway leaves the session with its indexes and foreign keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from vespera.gen.vault_generator import generate_vault
from vespera.session import VaultSession

from .stores import assert_healthy


async def _index_names(session: VaultSession) -> set[str]:
    rows = await session.db._rows("SELECT name FROM sqlite_master WHERE type='index'")
    return {r[0] for r in rows}


async def test_indexes_are_restored_when_a_bulk_scan_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = tmp_path / "vault"
    generate_vault(vault, 2100, seed=5)  # enough for a first scan to defer the indexes
    async with await VaultSession.open(vault, tmp_path / "state") as session:
        indexes = await _index_names(session)
        real_write: Callable[..., Awaitable[None]] = session.db.write
        calls = 0

        async def failing_second_write(*args: Any, **kwargs: Any) -> None:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise OSError("disk full")  # a failure after the indexes were dropped
            await real_write(*args, **kwargs)

        monkeypatch.setattr(session.db, "write", failing_second_write)
        with pytest.raises(OSError, match="disk full"):
            await session.index()
        monkeypatch.undo()

        assert await _index_names(session) == indexes
        assert (await session.db._rows("PRAGMA foreign_keys"))[0][0] == 1
        await session.index()
        await assert_healthy(session)
