"""Where a vault's machine state lives, and the lock that gives one process the stores.

The databases live outside the vault (they must not be synced by Obsidian Sync or git), in the
user's data directory, one folder per vault keyed by the vault's resolved path. ``--state-dir``
names the folder directly; ``VESPERA_DATA_DIR`` moves the data directory that holds them all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import platformdirs
from filelock import FileLock, Timeout

DATA_DIR_ENV = "VESPERA_DATA_DIR"
_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


class StateLockedError(RuntimeError):
    """Another process holds this vault's state directory."""


def data_home() -> Path:
    """The folder that holds the state of every vault."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path("vespera", appauthor=False)


def state_dir_for(vault: Path, explicit: Path | None = None) -> Path:
    """The state folder of ``vault``: ``explicit`` if given, else keyed by its resolved path."""
    if explicit is not None:
        return explicit.expanduser().resolve()
    resolved = vault.expanduser().resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:16]
    slug = _SLUG.sub("-", resolved.name).strip("-")[:40] or "vault"
    return data_home() / "vaults" / f"{slug}-{digest}"


class StateLock:
    """An exclusive lock on a state folder, with a note of who holds it for clear messages."""

    def __init__(self, state_dir: Path, vault: Path) -> None:
        self.state_dir = state_dir
        self._vault = vault
        self._lock = FileLock(state_dir / "lock")
        self._info = state_dir / "lock.json"

    def acquire(self) -> None:
        """Take the lock or raise :class:`StateLockedError` saying who holds it."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise StateLockedError(self._held_message()) from None
        info = {
            "pid": os.getpid(),
            "command": " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv)),
            "since": time.strftime("%Y-%m-%d %H:%M:%S"),
            "vault": str(self._vault),
        }
        self._info.write_text(json.dumps(info), encoding="utf-8")

    def release(self) -> None:
        """Give the lock back."""
        self._info.unlink(missing_ok=True)
        self._lock.release()

    def _held_message(self) -> str:
        holder: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            holder = json.loads(self._info.read_text(encoding="utf-8"))
        who = (
            f"process {holder.get('pid')} ('{holder.get('command')}', since {holder.get('since')})"
            if holder
            else "another process"
        )
        return (
            f"The index of this vault is in use by {who}. Only one Vespera process can own a "
            f"vault's stores at a time (state folder: {self.state_dir}). Stop that process, or "
            "pass --state-dir to work on a separate copy of the index."
        )
