"""Watch mode: changes made on disk reach both stores, batch by batch.

The tests wait on the watcher's ``on_report`` callback, never on a fixed sleep: after each report
they look at the stores again, until what they expect is there (or a safety timeout passes).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from vespera.index.indexer import IndexReport
from vespera.index.watcher import watch_vault
from vespera.session import VaultSession

from .stores import (
    assert_healthy,
    graph_field_links,
    graph_links,
    graph_notes,
    graph_tags,
    write_note,
)

PROBE = "Watch probe.md"
BRAM = "Characters/Bram.md"
SAFETY_TIMEOUT = 15.0


class Reports(logging.Handler):
    """The watcher's reports, as a queue the test can wait on.

    Also a log handler: a batch the watcher fails to index is logged, not reported, so an
    error logged by the watcher ends the wait at once instead of at the safety timeout.
    """

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[IndexReport] = []
        self.errors: list[str] = []
        self._queue: asyncio.Queue[IndexReport | None] = asyncio.Queue()

    def __call__(self, report: IndexReport) -> None:
        self.seen.append(report)
        self._queue.put_nowait(report)

    def emit(self, record: logging.LogRecord) -> None:
        self.errors.append(logging.Formatter().format(record))
        self._queue.put_nowait(None)

    async def until(self, condition: Callable[[], Awaitable[bool]]) -> None:
        """Return once ``condition`` holds, checking it again after every report."""
        async with asyncio.timeout(SAFETY_TIMEOUT):
            while not await condition():
                assert not self.errors, "the watcher failed:\n" + "\n".join(self.errors)
                await self._queue.get()


async def _true(value: bool) -> bool:
    return value


def indexed(session: VaultSession, path: str) -> Callable[[], Awaitable[bool]]:
    """A condition: ``path`` is in the index."""

    async def check() -> bool:
        return path in await session.db.file_states()

    return check


def not_indexed(session: VaultSession, path: str) -> Callable[[], Awaitable[bool]]:
    """A condition: ``path`` is not in the index."""

    async def check() -> bool:
        return path not in await session.db.file_states()

    return check


@asynccontextmanager
async def watching(session: VaultSession) -> AsyncIterator[Reports]:
    """Run ``watch_vault`` as a task; yields once it is seen to pick up changes."""
    stop = asyncio.Event()
    reports = Reports()
    watcher_log = logging.getLogger(watch_vault.__module__)
    watcher_log.addHandler(reports)
    task = asyncio.create_task(watch_vault(session, stop, reports, debounce_ms=50))
    try:
        # The watcher starts listening at some point after the task starts: write a probe note
        # until a report shows the probe indexed (each attempt waits for reports, not a sleep).
        for attempt in range(40):
            write_note(session.root, PROBE, f"# Probe\n\nattempt {attempt}\n")
            try:
                async with asyncio.timeout(0.5):
                    await reports.until(indexed(session, PROBE))
                break
            except TimeoutError:
                assert not task.done(), task
        else:
            raise AssertionError("the watcher never reported a change")
        yield reports
    finally:
        stop.set()
        await asyncio.wait_for(task, SAFETY_TIMEOUT)
        watcher_log.removeHandler(reports)


async def test_a_created_note_is_indexed_with_its_links_and_tags(session: VaultSession) -> None:
    new = "Characters/Maren.md"
    async with watching(session) as reports:
        write_note(session.root, new, "---\ntype: character\n---\n\nPlays cello. [[Bram]] #cello\n")
        await reports.until(indexed(session, new))

        assert new in graph_notes(session)
        assert (new, BRAM) in graph_links(session)
        assert graph_tags(session, new) == {"cello"}
    await assert_healthy(session)


async def test_a_note_created_in_a_new_folder_is_indexed(session: VaultSession) -> None:
    new = "Drafts/Chapter one.md"
    async with watching(session) as reports:
        # The folder first, on its own: whether a watcher sees a file created at once in a new
        # folder as its own event is a race of the OS watch API (see the next test).
        before = len(reports.seen)
        (session.root / "Drafts").mkdir()
        await reports.until(lambda: _true(len(reports.seen) > before))
        write_note(session.root, new, "# Chapter one\n\n[[Lantern Night]] #chapter\n")
        await reports.until(indexed(session, new))

        assert (new, "Scenes/Lantern Night.md") in graph_links(session)
    await assert_healthy(session)


async def test_a_note_and_its_folder_changed_in_one_batch_are_indexed(
    session: VaultSession,
) -> None:
    new = "Characters/Maren.md"
    async with watching(session) as reports:
        # Sync tools write the files of a folder, then set the folder's times: the watcher
        # gets the folder and the note in one batch.
        write_note(session.root, new, "# Maren\n\n[[Bram]]\n")
        os.utime(session.root / "Characters")
        await reports.until(indexed(session, new))

        assert (new, BRAM) in graph_links(session)
    await assert_healthy(session)


async def test_a_modified_note_is_parsed_again(session: VaultSession) -> None:
    path = "Locations/Saltmarket.md"
    async with watching(session) as reports:
        write_note(session.root, path, "---\ntype: location\n---\n\n[[Alice]] #market-day\n")

        async def retagged() -> bool:
            return await session.db.tag_counts("market-day") != []

        await reports.until(retagged)

        assert graph_tags(session, path) == {"market-day"}
        assert {b for a, b in graph_links(session) if a == path} == {"Characters/Alice.md"}
        assert sum(r.parsed for r in reports.seen) >= 1
    await assert_healthy(session)


async def test_a_deleted_note_leaves_both_stores_and_its_links_break(
    session: VaultSession,
) -> None:
    async with watching(session) as reports:
        (session.root / BRAM).unlink()
        await reports.until(not_indexed(session, BRAM))

        assert BRAM not in graph_notes(session)
        assert any(t == "Bram" for _, t, _ in await session.db.unresolved_links())
        assert any(r.deleted == 1 for r in reports.seen)
    await assert_healthy(session)


async def test_a_renamed_note_is_reported_as_a_rename_and_links_follow(
    session: VaultSession,
) -> None:
    old, new = "Music/Fog Bells.md", "Music/Buoy Bells.md"
    async with watching(session) as reports:
        (session.root / old).rename(session.root / new)
        await reports.until(indexed(session, new))

        assert old not in await session.db.file_states()
        assert [pair for r in reports.seen for pair in r.renamed] == [(old, new)]
        assert old not in graph_notes(session) and new in graph_notes(session)
        # The scene linked [[Fog Bells]]: that name is gone now.
        assert not [e for e in graph_field_links(session) if new in e]
        assert any(t == "Fog Bells" for _, t, _ in await session.db.unresolved_links())
    await assert_healthy(session)


async def test_a_deleted_folder_removes_all_its_notes(session: VaultSession) -> None:
    async with watching(session) as reports:
        shutil.rmtree(session.root / "Tasks")

        async def emptied() -> bool:
            return not any(p.startswith("Tasks/") for p in await session.db.file_states())

        await reports.until(emptied)

        assert not any(p.startswith("Tasks/") for p in graph_notes(session))
        assert sum(r.deleted for r in reports.seen) == 4
    await assert_healthy(session)


async def test_changes_in_dot_folders_are_ignored(session: VaultSession) -> None:
    async with watching(session) as reports:
        write_note(session.root, ".obsidian/Workspace.md", "# not a note\n")
        write_note(session.root, "Characters/After.md", "# After\n")
        await reports.until(indexed(session, "Characters/After.md"))

        assert not any(p.startswith(".") for p in await session.db.file_states())
