"""The sidecar's own settings, sent by the editor.

They arrive in ``initializationOptions`` and, for clients that support it, from
``workspace/configuration`` (section ``vespera``) whenever they change. Unknown keys are ignored
(a newer client may know more); a wrong value is reported once and its default kept.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SECTION = "vespera"


class ServerSettings(BaseModel):
    """Settings of the Vespera language server."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    diagnostics_delay_ms: int = Field(
        default=250,
        ge=0,
        le=10_000,
        alias="diagnosticsDelayMs",
        description="Quiet time after an edit before the note's diagnostics are published.",
    )
    index_delay_ms: int = Field(
        default=500,
        ge=0,
        le=60_000,
        alias="indexDelayMs",
        description=(
            "Quiet time after an edit before the vault's index takes the editor's text "
            "(tags, links and backlinks elsewhere follow it then)."
        ),
    )
    events_idle_ms: int = Field(
        default=2000,
        ge=100,
        le=600_000,
        alias="eventsIdleMs",
        description=(
            "Quiet time after an edit before an unsaved note's changes become events (saving "
            "makes them at once). While the last edit is in a tag, link or field value being "
            "typed, only saving does: a half-typed tag never fires a rule."
        ),
    )
    automation: bool = Field(
        default=True,
        description=(
            "Run the vault's automation rules (.vespera/rules). Off, events are still logged "
            "and rules still checked, but none runs."
        ),
    )
    automation_messages: bool = Field(
        default=True,
        alias="automationMessages",
        description=(
            "Show the messages of 'notify' actions as window messages to clients that do not "
            "take vespera/automationResult."
        ),
    )
    trusted: bool = Field(
        default=True,
        description=(
            "Whether the editor trusts this workspace. When false, automation rules do not run "
            "(no automation writes, no pre-hooks on save) and notes are not sent to a remote "
            "embedding endpoint (the local model still embeds them). The VS Code extension "
            "sets it from the editor's workspace trust and ignores any value in settings files; "
            "editors without such a concept leave it true."
        ),
        json_schema_extra={"x-set-by": "editor"},
    )
    semantic: bool = Field(
        default=True,
        description=(
            "Embed the vault's notes in the background and show related notes (code lens, "
            "vespera/related, vespera/search). Off saves the memory and CPU the model takes; "
            "which model is used is this machine's choice (embeddings.yaml), never the vault's."
        ),
    )
    related_lens: bool = Field(
        default=True,
        alias="relatedLens",
        description="Show the 'Related: ...' code lens at the top of each note.",
    )
    tag_hygiene: bool = Field(
        default=True,
        alias="tagHygiene",
        description="Report tags that look like a slip for a tag the vault already uses.",
    )
    max_completion_items: int = Field(
        default=100,
        ge=10,
        le=5000,
        alias="maxCompletionItems",
        description=(
            "Most tag or link completions in one answer (the most used or best matching); "
            "typing more narrows the list."
        ),
    )


def automation_held(settings: ServerSettings) -> str | None:
    """Why no automation rule runs under ``settings``, in words; ``None`` when rules run."""
    if not settings.automation:
        return "automation is switched off in the settings"
    if not settings.trusted:
        return "the workspace is not trusted"
    return None


def read_settings(raw: Any, current: ServerSettings | None = None) -> tuple[ServerSettings, str]:
    """Settings from a client's JSON (``{"vespera": {...}}`` or the section itself).

    Keys that are sent replace the current values; keys that are not keep theirs. A wrong value
    keeps its current value, and the message returned says which (for the user).
    """
    base = current or ServerSettings()
    if raw is None:
        return base, ""
    if isinstance(raw, dict) and isinstance(raw.get(SECTION), dict):
        raw = raw[SECTION]
    if not isinstance(raw, dict):
        return base, "Vespera's settings must be an object; keeping the current ones."
    merged = base.model_dump(by_alias=True)
    problems = []
    for key, value in raw.items():
        trial = {**merged, key: value}
        try:
            ServerSettings.model_validate(trial)
        except ValidationError as exc:
            problems.append(f"{key}: {exc.errors()[0]['msg']}")
            continue
        merged = trial
    settings = ServerSettings.model_validate(merged)
    if problems:
        return (
            settings,
            f"Some Vespera settings are invalid ({'; '.join(problems)}); kept as before.",
        )
    return settings, ""
