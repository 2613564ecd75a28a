"""Note ids stay unique when the newest note is edited in the same batch a note is created."""

from __future__ import annotations

from pathlib import Path

from vespera.session import VaultSession

from .stores import assert_healthy, write_note


async def test_editing_the_newest_note_while_creating_another_keeps_ids_unique(
    vault: Path, state_dir: Path
) -> None:
    async with await VaultSession.open(vault, state_dir) as session:
        await session.index()
        write_note(vault, "Newest.md", "# Newest\n")
        await session.update(["Newest.md"])  # now the note with the highest id

        write_note(vault, "Newest.md", "# Newest\nLinks to [[Fresh]].\n")
        write_note(vault, "Fresh.md", "# Fresh\n")
        report = await session.update(["Newest.md", "Fresh.md"])

        assert report.parsed == 2
        assert {"Newest.md", "Fresh.md"} <= set(await session.db.file_states())
        await assert_healthy(session)
