"""This machine's overrides of rules' ``enabled``, kept outside the vault.

A vault shared between machines (or cloned from someone else) carries its rules' ``enabled``
keys; a writer may want a rule off here only, without changing the vault. The overrides live
in the vault's state folder, which is this machine's, as ``{rule id: true or false}``.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

OVERRIDES_FILE = "rule-overrides.json"


def load_overrides(state_dir: Path) -> dict[str, bool]:
    """The overrides kept for the vault of ``state_dir`` (none if unreadable, with a warning)."""
    path = state_dir / OVERRIDES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("Ignoring the rule overrides in %s: %s", path, exc)
        return {}
    if not isinstance(data, dict):
        log.warning("Ignoring the rule overrides in %s: not a mapping", path)
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, bool)}


def save_overrides(state_dir: Path, overrides: dict[str, bool]) -> None:
    """Keep ``overrides`` (atomically: a crash leaves the old ones or the new)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(dict(sorted(overrides.items())), indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".overrides-", dir=state_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        Path(tmp).replace(state_dir / OVERRIDES_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
