"""What a rule file may say where: the keys of each part of a rule, with their descriptions.

Everything here is read from the rule models (:mod:`vespera.automation.rules`, the actions'
configurations and the conditions), so completion and hover say what validation checks.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from vespera.automation.actions import ACTIONS
from vespera.automation.actions.base import ActionConfig
from vespera.automation.conditions import (
    AllOf,
    AnyOf,
    CountTest,
    FieldTest,
    LinkTest,
    NotOf,
    TagTest,
)
from vespera.automation.rules import ChainStep, Rule, Trigger
from vespera.editor.rule_cursor import ITEM

Part = Literal["rule", "trigger", "condition", "action", "step"]
"""The mappings of a rule file whose keys are known."""

CONDITION_MODELS: tuple[type[BaseModel], ...] = (
    FieldTest,
    TagTest,
    LinkTest,
    CountTest,
    AllOf,
    AnyOf,
    NotOf,
)
# The key that tells each kind of condition apart (a field test is one without the others).
_CONDITION_KEYS: dict[str, type[BaseModel]] = {
    "has_tag": TagTest,
    "has_link": LinkTest,
    "count": CountTest,
    "all": AllOf,
    "any": AnyOf,
    "not": NotOf,
    "field": FieldTest,
}

_TYPE_DOC = "The kind of action; its other keys depend on it."

# Keys whose value is another part (or a list of them).
_NESTED: dict[tuple[str, str], Part] = {
    ("rule", "trigger"): "trigger",
    ("rule", "conditions"): "condition",
    ("rule", "actions"): "action",
    ("rule", "chain_steps"): "step",
    ("step", "conditions"): "condition",
    ("step", "actions"): "action",
    ("condition", "all"): "condition",
    ("condition", "any"): "condition",
    ("condition", "not"): "condition",
    ("action", "actions"): "action",
}


@dataclass(frozen=True, slots=True)
class Place:
    """Where in a rule a node is: a mapping of ``part``, or the value of its ``key``."""

    part: Part
    key: str | None = None


def place_of(path: Sequence[str]) -> Place | None:
    """What the node at ``path`` (keys and :data:`ITEM` steps from the root) is, if known."""
    steps = list(path)
    if steps[:1] == [ITEM]:  # a file holding a list of rules
        steps = steps[1:]
    place = Place("rule")
    entered = False  # just entered a part through its key: a list of them may follow
    for step in steps:
        if place.key is not None:
            if step != ITEM:
                return None  # inside a free-form value (an event's data, a note's fields)
            continue
        if step == ITEM:
            if not entered:
                return None
            entered = False
            continue
        nested = _NESTED.get((place.part, step))
        place, entered = (Place(nested), True) if nested else (Place(place.part, step), False)
    return place


@dataclass(frozen=True, slots=True)
class KeyDoc:
    """One key of a rule file: its description, whether it is required, the values it takes."""

    name: str
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()

    def markdown(self) -> str:
        """The key described for a hover."""
        lines = [f"**{self.name}**" + (" (required)" if self.required else "")]
        if self.description:
            lines += ["", self.description]
        if self.choices:
            lines += ["", "One of: " + ", ".join(f"`{c}`" for c in self.choices)]
        return "\n".join(lines)


def model_keys(model: type[BaseModel]) -> list[KeyDoc]:
    """The keys of ``model`` as a rule file writes them (aliases such as ``from``)."""
    out = []
    only = len(model.model_fields) == 1
    for name, info in model.model_fields.items():
        description = info.description or ""
        if not description and only:  # all / any / not: the model says what the key does
            description = (model.__doc__ or "").strip()
        out.append(
            KeyDoc(info.alias or name, description, info.is_required(), _choices(info.annotation))
        )
    return out


def _choices(annotation: Any) -> tuple[str, ...]:
    """The values a field takes, when they are few: a ``Literal``'s, or true and false."""
    if annotation is bool:
        return ("true", "false")
    origin = get_origin(annotation)
    if origin is Literal:
        return tuple(str(a) for a in get_args(annotation))
    if origin in (Union, types.UnionType):
        return tuple(c for arg in get_args(annotation) for c in _choices(arg))
    return ()


def action_keys(action_type: str | None) -> list[KeyDoc]:
    """The keys of an action of ``action_type``; only the common ones while it is unknown."""
    plugin = ACTIONS.get(action_type or "")
    model = plugin.config if plugin is not None else ActionConfig
    out = []
    for key in model_keys(model):
        if key.name == "type":
            key = KeyDoc("type", _TYPE_DOC, True, tuple(ACTIONS))
        out.append(key)
    return out


def condition_keys(present: Mapping[str, str]) -> list[KeyDoc]:
    """The keys of a condition: of its kind once a key tells it, else of every kind."""
    for key, model in _CONDITION_KEYS.items():
        if key in present:
            return model_keys(model)
    seen: dict[str, KeyDoc] = {}
    for model in CONDITION_MODELS:
        for doc in model_keys(model):
            seen.setdefault(doc.name, doc)
    return list(seen.values())


def keys_of(part: Part, present: Mapping[str, str]) -> list[KeyDoc]:
    """The keys of a part of a rule, given the keys (and scalar values) already there."""
    if part == "rule":
        return model_keys(Rule)
    if part == "trigger":
        return model_keys(Trigger)
    if part == "step":
        return model_keys(ChainStep)
    if part == "condition":
        return condition_keys(present)
    return action_keys(present.get("type"))


def key_doc(part: Part, present: Mapping[str, str], name: str) -> KeyDoc | None:
    """The description of key ``name`` of a part, if the part has such a key."""
    return next((k for k in keys_of(part, present) if k.name == name), None)


def action_markdown(action_type: str) -> str | None:
    """An action described for a hover: its summary and its own keys."""
    plugin = ACTIONS.get(action_type)
    if plugin is None:
        return None
    common = {k.name for k in model_keys(ActionConfig)}
    lines = [f"**{plugin.name}**: {plugin.summary}", ""]
    for key in model_keys(plugin.config):
        if key.name in common:
            continue
        required = " (required)" if key.required else ""
        about = f": {key.description}" if key.description else ""
        lines.append(f"- `{key.name}`{required}{about}")
    others = ", ".join(f"`{k}`" for k in sorted(common - {"type"}))
    lines += ["", f"Every action also takes {others}."]
    return "\n".join(lines)
