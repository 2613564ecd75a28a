"""The graph's rows agree however they are made: whole, per note, or gathered by a first scan."""

from __future__ import annotations

from pathlib import Path

from vespera.gen.vault_generator import generate_vault
from vespera.session import VaultSession

from .stores import assert_healthy, graph_field_links, graph_links, graph_tags, write_note


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


async def test_a_first_bulk_scan_loads_the_graph_the_index_describes(tmp_path: Path) -> None:
    # A first scan of a large vault gathers the graph's rows as it stores the notes, instead of
    # reading them back. A link to an alias stored batches later is resolved again on the way:
    # the graph must follow it there, exactly as the index does.
    vault = tmp_path / "vault"
    generate_vault(vault, 2100, seed=5)
    write_note(vault, "0 first/Linker.md", "---\nfriend: '[[Nickname]]'\n---\nSee [[Nickname]].\n")
    write_note(vault, "zz last/Holder.md", "---\naliases: [Nickname]\n---\n#late-tag\n")
    async with await VaultSession.open(vault, tmp_path / "state") as session:
        report = await session.index()
        assert report.graph == "bulk" and report.parsed == 2102
        await assert_healthy(session)  # every node and edge, as SQLite derives them
        assert ("0 first/Linker.md", "zz last/Holder.md") in graph_links(session)
        assert ("0 first/Linker.md", "friend", "zz last/Holder.md") in graph_field_links(session)
        assert graph_tags(session, "zz last/Holder.md") == {"late-tag"}
