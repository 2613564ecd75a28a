"""A new note size limit applies to notes that did not change since they were indexed."""

from __future__ import annotations

from pathlib import Path

from vespera.session import VaultSession


async def test_lowering_max_note_bytes_reindexes_unchanged_notes(
    vault: Path, state_dir: Path
) -> None:
    largest = max((vault / "Scenes").glob("*.md"), key=lambda p: p.stat().st_size)
    big, size = largest.relative_to(vault).as_posix(), largest.stat().st_size
    assert size > 1024  # the smallest limit the config accepts
    async with await VaultSession.open(vault, state_dir) as session:
        await session.index()
        assert not [p for p, _ in await session.db.problems(big)]

        (vault / ".vespera" / "config.yaml").write_text(
            f"ignore: ['Templates/**']\nmax_note_bytes: {size - 1}\n", encoding="utf-8"
        )
        report = await session.update([".vespera/config.yaml"])

        assert report.parsed >= 1  # at least the largest note, whose file did not change
        codes = [problem.code for _, problem in await session.db.problems(big)]
        assert codes == ["file-too-large"]
