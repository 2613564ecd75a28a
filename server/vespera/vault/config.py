"""A vault's own settings, read from ``.vespera/config.yaml`` inside the vault.

They live in the vault because writers version and sync them with their notes. A missing file
means defaults; a broken one is reported as a problem and defaults are used, never a crash.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vespera.vault.model import Problem, Range

CONFIG_DIR = ".vespera"
RULES_DIR = f"{CONFIG_DIR}/rules"
"""Where a vault's automation rules are (``*.yaml``)."""


HOOKS_DIR = f"{CONFIG_DIR}/hooks"
"""Where a vault's markdown hooks are (``*.md``: a rule in the frontmatter, its documentation
in the body)."""


def is_hook_path(path: str) -> bool:
    """Whether a vault-relative path is a markdown hook."""
    return path.startswith(HOOKS_DIR + "/") and path.lower().endswith(".md")


def is_rule_path(path: str) -> bool:
    """Whether a vault-relative path is a rule file (YAML rules, or a markdown hook)."""
    if path.startswith(RULES_DIR + "/"):
        return path.lower().endswith((".yaml", ".yml"))
    return is_hook_path(path)


CONFIG_FILE = f"{CONFIG_DIR}/config.yaml"


class VaultConfig(BaseModel):
    """Settings of one vault (``.vespera/config.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ignore: list[str] = Field(
        default_factory=list,
        description=(
            "Paths to leave out of the index, as gitignore-style patterns relative to the vault "
            "root (e.g. 'Templates/**', '*.excalidraw.md'). Dot-folders such as .git, .obsidian "
            "and .trash are always left out."
        ),
    )
    max_note_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=1024,
        description=(
            "Notes larger than this many bytes are indexed by name only, with a problem saying so."
        ),
    )
    event_retention_days: int | None = Field(
        default=90,
        ge=1,
        description=(
            "Days the event log keeps events; null keeps them all. Cascades in which an "
            "automation changed notes are kept regardless: undo and the audit trail need them."
        ),
    )
    tag_vocabulary: list[str] = Field(
        default_factory=list,
        description=(
            "The tags this vault allows, when it wants a fixed vocabulary: exact tags "
            "('status:draft') or prefixes ending in '*' ('mood:*', 'place/*'). Tags outside it "
            "are reported. Empty (the default) allows every tag."
        ),
    )


def load_config(root: Path) -> tuple[VaultConfig, list[Problem]]:
    """Read the vault's config; on any error return defaults and the problems found."""
    path = root / CONFIG_FILE
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return VaultConfig(), []
    except (OSError, UnicodeDecodeError) as exc:
        return VaultConfig(), [_problem(f"Cannot read {CONFIG_FILE}: {exc}; using defaults.")]
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        span = Range(mark.line, 0, mark.line + 1, 0) if mark is not None else None
        return VaultConfig(), [_problem(f"{CONFIG_FILE} is not valid YAML: {exc}", span)]
    if data is None:
        return VaultConfig(), []
    if not isinstance(data, dict):
        return VaultConfig(), [_problem(f"{CONFIG_FILE} must be a mapping of settings.")]
    try:
        return VaultConfig.model_validate(data), []
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'config'}: {err['msg']}"
            for err in exc.errors()
        )
        return VaultConfig(), [_problem(f"{CONFIG_FILE} has invalid settings ({details}).")]


def _problem(message: str, span: Range | None = None) -> Problem:
    return Problem("config-invalid", message, "error", span)
