"""The built-in actions, by name, and the loop that plans a list of them.

Every action is an :class:`~vespera.automation.actions.base.Action` plugin; :data:`ACTIONS`
maps each name to its plugin, and :data:`AnyAction` is the union of their configurations that
rule files are validated against. A new action is one class and one line here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Field

from vespera.automation.actions.base import Action, ActionConfig
from vespera.automation.actions.create import CreateNote, CreateTask
from vespera.automation.actions.flow import (
    Deny,
    EmitEvent,
    ForEach,
    ForEachConfig,
    Notify,
    Query,
    plain,
)
from vespera.automation.actions.linked import UpdateLinkedCodex
from vespera.automation.actions.notes import (
    AddTags,
    AppendField,
    AppendText,
    Link,
    RemoveTags,
    ReplaceTags,
    SetField,
    Unlink,
    UnsetField,
)
from vespera.automation.planning import ActionError, RunPlan
from vespera.automation.templates import TemplateError

ACTIONS: dict[str, Action[Any]] = {
    plugin.name: plugin
    for plugin in (
        SetField(),
        UnsetField(),
        AppendField(),
        AddTags(),
        RemoveTags(),
        ReplaceTags(),
        AppendText(),
        Link(),
        Unlink(),
        UpdateLinkedCodex(),
        CreateNote(),
        CreateTask(),
        EmitEvent(),
        Notify(),
        Query(),
        ForEach(),
        Deny(),
    )
}

if TYPE_CHECKING:
    AnyAction = ActionConfig
else:
    AnyAction = Annotated[
        Union[tuple(plugin.config for plugin in ACTIONS.values())],  # noqa: UP007
        Field(discriminator="type"),
    ]
    """The configuration of any built-in action, told apart by its ``type``."""

ForEachConfig.model_rebuild(_types_namespace={"AnyAction": AnyAction})


class RunFailedError(RuntimeError):
    """An action failed and the run stops there."""


def run_actions(actions: list[Any], run: RunPlan) -> None:
    """Plan ``actions`` in order into ``run``; raises :class:`RunFailedError` at the first failure.

    An action with ``continue_on_error`` records its failure and the next one runs.
    """
    for config in actions:
        plugin = ACTIONS[config.type]
        with run.step(config.type, config.label) as record:
            try:
                if config.when is not None and not run.truth(config.when):
                    record.skipped = f"when: {config.when}"
                    continue
                inputs = run.render(config.params())
                record.inputs = plain(inputs)
                record.result = plain(plugin.plan(config, inputs, run))
            except (ActionError, TemplateError, ValueError) as exc:
                record.error = str(exc)
                if not config.continue_on_error:
                    raise RunFailedError(f"{config.label or config.type}: {exc}") from exc


def validate_actions(actions: list[ActionConfig]) -> list[tuple[int, str]]:
    """Each action's problems beyond its schema, by its position in the list."""
    out: list[tuple[int, str]] = []
    for index, config in enumerate(actions):
        out += [(index, p) for p in ACTIONS[config.type].validate(config)]
        if isinstance(config, ForEachConfig):
            out += [(index, p) for _, p in validate_actions(config.actions)]
    return out
