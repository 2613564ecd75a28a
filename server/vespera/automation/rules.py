"""Rule files: ``.vespera/rules/*.yaml``, one rule or a list of rules per file.

A rule names a trigger (the events it reacts to, narrowed by filters), conditions that must
hold, and the actions to take::

    name: Scene mood music
    trigger:
      event: tag_changed
      codex_type: scene
      tags: "mood:*"
    conditions:
      - has_link: music
    actions:
      - type: update_linked_codex
        field: music
        target_type: music
        tags: ["mood:${trigger.new_value}"]

The models here are the whole format: ``schemas/rule.schema.json`` is generated from them and
``docs/rules.md`` explains them with examples.
"""

from __future__ import annotations

import hashlib
import json
import re
from fnmatch import fnmatchcase
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vespera.automation.actions import AnyAction
from vespera.automation.conditions import Condition
from vespera.automation.patterns import check_tag_pattern
from vespera.vault.config import RULES_DIR as RULES_DIR  # where rule files live
from vespera.vault.config import is_rule_path as is_rule_path
from vespera_protocol.events import EVENT_TYPES, is_custom_type

HOOK_EVENTS = {
    "will_save": "The writer is saving a note open in the editor (its edits go into the save).",
    "automation_write": "A rule is about to write a note (allow, deny or patch the write).",
}
"""The moments ``timing: pre`` rules (pre-hooks) run at: before something happens, not after
an event of the log."""

CUSTOM_NAMESPACE = "vault"
"""The namespace of custom events a rule names without one (``music_changed``)."""
_BARE_EVENT = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")


def event_type_name(name: str) -> str:
    """The full type of an event as a rule names it; raises ``ValueError`` for a bad name.

    Built-in types are themselves; ``custom.<namespace>.<name>`` too; any other lower-case
    name (``music_changed``) is a custom event of the vault: ``custom.vault.music_changed``.
    Globs (``note.*``) are kept as written.
    """
    name = name.strip()
    if name in EVENT_TYPES or is_custom_type(name) or name in HOOK_EVENTS:
        return name
    if any(c in name for c in "*?["):
        if not any(fnmatchcase(t, name) for t in EVENT_TYPES) and not name.startswith("custom."):
            raise ValueError(f"{name!r} matches no event type")
        return name
    if _BARE_EVENT.fullmatch(name) and not name.startswith("custom."):
        return f"custom.{CUSTOM_NAMESPACE}.{name}"
    raise ValueError(
        f"{name!r} is not an event type: use one of {', '.join(EVENT_TYPES)}, or a lower-case "
        "name of your own (letters, digits and '_') for a custom event"
    )


def event_fits(pattern: str, kind: str) -> bool:
    """Whether an event of type ``kind`` is one a trigger's ``pattern`` (a type or a glob)
    names."""
    return pattern == kind or fnmatchcase(kind, pattern)


def short_event_name(name: str) -> str:
    """How a rule would write the event type (the inverse of :func:`event_type_name`)."""
    return name.removeprefix(f"custom.{CUSTOM_NAMESPACE}.")


def _many(value: Any) -> Any:
    if value is None:
        return []
    return [value] if isinstance(value, str | int | float | bool) else value


class Trigger(BaseModel):
    """The events a rule reacts to, and the filters they must pass."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    event: list[str] = Field(
        min_length=1,
        description=(
            "The event type(s): tag_changed, status_changed, field_changed, task_completed, "
            "note.created... or a custom event's name. Globs such as 'note.*' match several."
        ),
    )
    codex_type: list[str] = Field(
        default_factory=list, description="Only notes of these codex types (any if empty)."
    )
    tags: list[str] = Field(
        default_factory=list,
        description=(
            "Tag patterns ('mood:*', 'emotion:scared|state:frightened'). For tag_changed, a tag "
            "added or a value changed to must match; for other events, a tag of the note."
        ),
    )
    removed_tags: list[str] = Field(
        default_factory=list,
        description="For tag_changed: a tag removed, or a value changed from, must match.",
    )
    paths: list[str] = Field(
        default_factory=list, description="Vault path globs ('Scenes/**'); any if empty."
    )
    field: str | None = Field(
        default=None, description="For field_changed: the frontmatter field that changed."
    )
    from_: list[Any] = Field(
        default_factory=list,
        alias="from",
        description="The old value(s) (status, field, or a key:value tag's value).",
    )
    to: list[Any] = Field(
        default_factory=list,
        description="The new value(s) (status, field, or a key:value tag's value).",
    )
    actors: list[str] = Field(
        default_factory=list,
        description="Only changes by these actors: user, external, catch-up, automation:<rule> "
        "or automation:* (any if empty).",
    )
    ignore_actors: list[str] = Field(
        default_factory=list, description="Never changes by these actors (e.g. catch-up)."
    )

    @field_validator(
        "event",
        "codex_type",
        "tags",
        "removed_tags",
        "paths",
        "from_",
        "to",
        "actors",
        "ignore_actors",
        mode="before",
    )
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _many(value)

    @field_validator("event")
    @classmethod
    def _event_names(cls, value: list[str]) -> list[str]:
        return [event_type_name(v) for v in value]

    @field_validator("tags", "removed_tags")
    @classmethod
    def _tag_patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            problem = check_tag_pattern(pattern)
            if problem:
                raise ValueError(problem)
        return value


class ChainStep(BaseModel):
    """One named step of a chain: its own conditions and actions, run once its dependencies are
    done."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1, description="What the step does; other steps name it.")
    step: int | str | None = Field(
        default=None,
        description="A short key other steps may use in depends_on instead of the name (1, 2...).",
    )
    description: str = Field(default="", description="Why the step exists.")
    depends_on: list[int | str] = Field(
        default_factory=list,
        description="Steps (by name or key) that must be done first; steps that depend on none "
        "of each other run side by side.",
    )
    conditions: list[Condition] = Field(
        default_factory=list,
        description="What must hold for the step to run; if not, it and the steps that depend "
        "on it are skipped.",
    )
    actions: list[AnyAction] = Field(min_length=1, description="What the step does, in order.")
    continue_on_error: bool = Field(
        default=False,
        description="If the step fails, keep what the other steps did and go on (the steps "
        "that depend on it are skipped); by default the chain fails and is rolled back.",
    )

    @field_validator("depends_on", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _many(value)

    @property
    def key(self) -> str:
        """The name depends_on uses for it."""
        return str(self.step) if self.step is not None else self.name


_NO_ACTIONS: Any = ("no actions: the chain's steps have them",)

RollbackStrategy = Literal["reverse_completed_steps", "none"]


def _chain_order(steps: list[ChainStep]) -> list[list[int]]:
    """The steps in generations: each runs after all the ones before; raises ``ValueError``
    for an unknown dependency or a cycle."""
    by_key: dict[str, int] = {}
    for index, item in enumerate(steps):
        for key in {item.key, item.name}:
            if by_key.get(key, index) != index:
                raise ValueError(f"two steps are called {key!r}")
            by_key[key] = index
    needs: list[set[int]] = []
    for item in steps:
        wanted = set()
        for dep in item.depends_on:
            if str(dep) not in by_key:
                known = ", ".join(repr(s.key) for s in steps)
                raise ValueError(f"step {item.name!r} depends on {dep!r}: no such step ({known})")
            wanted.add(by_key[str(dep)])
        needs.append(wanted)
    done: set[int] = set()
    order: list[list[int]] = []
    while len(done) < len(steps):
        ready = [i for i in range(len(steps)) if i not in done and needs[i] <= done]
        if not ready:
            stuck = ", ".join(repr(steps[i].name) for i in range(len(steps)) if i not in done)
            raise ValueError(f"the steps {stuck} depend on each other in a circle")
        order.append(ready)
        done.update(ready)
    return order


class RateLimit(BaseModel):
    """At most ``runs`` runs in any ``per`` seconds."""

    model_config = ConfigDict(extra="forbid")

    runs: int = Field(ge=1, description="How many runs.")
    per: float = Field(default=60, gt=0, description="In how many seconds.")


class BreakerLimit(BaseModel):
    """When a rule that keeps failing is paused."""

    model_config = ConfigDict(extra="forbid")

    failures: int = Field(default=5, ge=1, description="Failed runs in a row that pause it.")
    cooldown: float = Field(
        default=300, gt=0, description="Seconds it stays paused before one run tries it again."
    )


RunMode = Literal["single", "restart", "queued", "parallel"]
Overflow = Literal["drop_new", "drop_oldest"]


class Rule(BaseModel):
    """One automation rule."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1, description="What the rule does, in a few words.")
    id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
        description="A stable id (traces and events name it); made from the file if unset.",
    )
    description: str = Field(default="", description="Why the rule exists, for its readers.")
    enabled: bool = Field(default=True, description="A disabled rule is loaded but never runs.")
    trigger: list[Trigger] = Field(
        min_length=1, description="One trigger, or a list of which any may start the rule."
    )
    conditions: list[Condition] = Field(
        default_factory=list, description="Everything that must hold for the rule to run."
    )
    actions: list[AnyAction] = Field(
        min_length=1, description="What to do, in order (a rule with chain_steps has none)."
    )
    chain_steps: list[ChainStep] = Field(
        default_factory=list,
        description="Instead of actions: named steps with their own conditions and actions, "
        "ordered by depends_on; results pass forward through the context (store_as).",
    )
    rollback_strategy: RollbackStrategy = Field(
        default="reverse_completed_steps",
        description="When a run fails after writing notes: put them back in reverse order "
        "(notes changed since are left alone and reported), or keep them (none).",
    )
    max_depth: int = Field(
        default=8,
        ge=1,
        le=50,
        description="How deep a cascade of rules reacting to rules' changes may be when this "
        "rule would run (1: only changes made by people); deeper, it stops.",
    )
    repeat_in_cascade: bool = Field(
        default=False,
        description="Let the rule run again on the same note within one cascade (a change and "
        "all it set off); by default a second time stops it, which ends ping-pong loops.",
    )
    react_to_own_changes: bool = Field(
        default=False,
        description="Let the rule react to changes it made itself (by default it ignores them).",
    )

    timing: Literal["post", "pre"] = Field(
        default="post",
        description="post: react to events of the log (the default). pre: a hook that runs "
        "before something happens: on will_save its edits go into the note being saved; on "
        "automation_write it may deny (the run is rolled back) or patch a rule's write.",
    )
    mode: RunMode = Field(
        default="queued",
        description="What happens when it is started again while running (on the same note, "
        "see mode_key): single ignores the new start, restart stops the running one (if it "
        "has not begun writing) for the new one, queued runs them one after the other, "
        "parallel runs up to max at once.",
    )
    max: int = Field(
        default=10,
        ge=1,
        le=100,
        description="queued: how many may wait; parallel: how many run at once (as many "
        "again may wait).",
    )
    on_overflow: Overflow = Field(
        default="drop_new",
        description="When more wait than max allows: drop the newest start, or the oldest "
        "waiting one.",
    )
    mode_key: Literal["note", "rule"] = Field(
        default="note",
        description="What the mode counts runs of: the note the event is about, or the rule "
        "as a whole.",
    )
    debounce: float = Field(
        default=0,
        ge=0,
        le=3600,
        description="Seconds to wait for changes to settle: a new start for the same note "
        "within them replaces the waiting one (0: run at once).",
    )
    rate_limit: RateLimit = Field(
        default_factory=lambda: RateLimit(runs=120, per=60),
        description="At most this many runs of the rule (default 120 a minute).",
    )
    note_rate_limit: RateLimit = Field(
        default_factory=lambda: RateLimit(runs=20, per=60),
        description="At most this many runs of the rule on one note (default 20 a minute).",
    )
    breaker: BreakerLimit = Field(
        default_factory=BreakerLimit,
        description="After this many failures in a row the rule is paused for the cool-down.",
    )

    @field_validator("trigger", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @field_validator("rollback_strategy", mode="before")
    @classmethod
    def _on_failure(cls, value: Any) -> Any:
        # Also written as a mapping: {on_failure: reverse_completed_steps}.
        if isinstance(value, dict) and set(value) <= {"on_failure"}:
            return value.get("on_failure")
        return value

    @model_validator(mode="before")
    @classmethod
    def _steps_instead_of_actions(cls, data: Any) -> Any:
        # A chain's actions are in its steps: the rule's own list is then left empty.
        if isinstance(data, dict) and "chain_steps" in data and "actions" not in data:
            return {**data, "actions": _NO_ACTIONS}
        return data

    @field_validator("actions", mode="wrap")
    @classmethod
    def _none_for_a_chain(cls, value: Any, handler: Any) -> Any:
        return [] if value is _NO_ACTIONS else handler(value)

    @model_validator(mode="after")
    def _actions_or_steps(self) -> Rule:
        if self.actions and self.chain_steps:
            raise ValueError("a rule has either actions or chain_steps, not both")
        if not self.actions and not self.chain_steps:
            raise ValueError("a rule needs actions, or chain_steps")
        hooks = {e for t in self.trigger for e in t.event if e in HOOK_EVENTS}
        if self.timing == "pre":
            others = [e for t in self.trigger for e in t.event if e not in HOOK_EVENTS]
            if others:
                raise ValueError(
                    f"a pre-hook (timing: pre) runs on {' or '.join(HOOK_EVENTS)}, not on "
                    f"{', '.join(short_event_name(e) for e in others)}"
                )
            if self.chain_steps:
                raise ValueError("a pre-hook (timing: pre) has actions, not chain_steps")
        elif hooks:
            raise ValueError(
                f"{' and '.join(sorted(hooks))} happen before a change: a rule on them needs "
                "timing: pre"
            )
        if self.chain_steps:
            _chain_order(self.chain_steps)
        return self

    def chain_order(self) -> list[list[int]]:
        """The chain's steps (indexes) in generations; independent steps share one."""
        return _chain_order(self.chain_steps)


def rule_version(raw: Any) -> str:
    """A short hash of a rule's definition, so a trace says which version of it ran."""
    text = json.dumps(raw, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def slug(text: str) -> str:
    """A rule id made from a name: lower case, words joined by '-'."""
    words = re.findall(r"[a-z0-9]+", text.casefold())
    return "-".join(words) or "rule"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a rule file (one rule, or a list of rules)."""
    one = Rule.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs = one.pop("$defs", {})
    # Actions, or chain steps instead: the model fills in the missing one.
    one["required"] = [k for k in one["required"] if k != "actions"]
    one["oneOf"] = [{"required": ["actions"]}, {"required": ["chain_steps"]}]
    defs["Rule"] = one
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Vespera automation rule file",
        "description": "One rule, or a list of rules (.vespera/rules/*.yaml).",
        "oneOf": [
            {"$ref": "#/$defs/Rule"},
            {"type": "array", "items": {"$ref": "#/$defs/Rule"}},
        ],
        "$defs": defs,
    }
