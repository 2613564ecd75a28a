"""The whole-vault graph rows (aggregated in Python) equal the per-note rows (SQL grouping)."""

from __future__ import annotations

from pathlib import Path

from vespera.gen.vault_generator import generate_vault
from vespera.session import VaultSession


async def test_full_and_per_note_graph_rows_agree(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    generate_vault(vault, 300, seed=11)  # repeated titles, aliases, links to missing notes
    async with await VaultSession.open(vault, tmp_path / "state") as session:
        await session.index()
        whole = await session.db.graph_rows()
        paths = [path for path, _, _ in whole.notes]
        per_note = await session.db.graph_rows(paths)

    for table in ("notes", "tags", "links", "field_links"):
        assert sorted(getattr(whole, table)) == sorted(getattr(per_note, table)), table
    assert whole.links and whole.field_links and whole.tags
