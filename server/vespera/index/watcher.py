"""Watch mode: external changes (git pull, sync, another editor) reach the index in batches."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from watchfiles import Change, awatch

from vespera.codex.types import is_type_path
from vespera.index.indexer import IndexReport
from vespera.session import VaultSession
from vespera.vault.config import CONFIG_FILE, is_rule_path

log = logging.getLogger(__name__)


def _relevant(session: VaultSession) -> Callable[[Change, str], bool]:
    root = session.root

    def accept(change: Change, path: str) -> bool:
        try:
            rel = Path(path).relative_to(root).as_posix()
        except ValueError:
            return False
        # Anything not ignored may be a note, or a folder of notes moved or deleted; the rules
        # are read at each event, so a reloaded config applies at once.
        return (
            rel == CONFIG_FILE
            or is_type_path(rel)
            or is_rule_path(rel)
            or not session.indexer.rules.ignored(rel)
        )

    return accept


async def watch_vault(
    session: VaultSession,
    stop: asyncio.Event,
    on_report: Callable[[IndexReport], None] | None = None,
    debounce_ms: int = 200,
    on_paths: Callable[[list[str]], None] | None = None,
) -> None:
    """Re-index changed paths until ``stop`` is set; changes are debounced and batched."""
    root = session.root
    async for changes in awatch(
        root,
        watch_filter=_relevant(session),
        debounce=debounce_ms,
        step=50,
        stop_event=stop,
        recursive=True,
    ):
        paths = sorted({Path(p).relative_to(root).as_posix() for _, p in changes})
        if on_paths is not None:
            on_paths(paths)
        try:
            report = await session.update(paths)
        except Exception:  # one bad batch must not end watching
            log.exception("Re-indexing %d changed paths failed", len(paths))
            continue
        if on_report is not None:
            on_report(report)
