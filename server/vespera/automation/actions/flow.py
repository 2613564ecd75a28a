"""Actions that do not change notes: events, messages, queries and loops."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator

from vespera.automation.actions.base import Action, ActionConfig
from vespera.automation.planning import ActionError, RunPlan
from vespera.automation.vault_view import NoteView

if TYPE_CHECKING:
    from vespera.automation.actions import AnyAction

_MAX_ITEMS = 500
"""The most items ``for_each`` goes through: more is a mistake in the rule, not a plan."""


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data (notes become their paths)."""
    if isinstance(value, NoteView):
        return value.path
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


class EmitEventConfig(ActionConfig):
    """Emit a custom event."""

    type: Literal["emit_event"]
    event: str = Field(description="The event's name ('music_changed'); rules may react to it.")
    subject: str | None = Field(
        default=None, description="The note it is about (a template); the trigger's note if unset."
    )
    data: dict[str, Any] = Field(default_factory=dict, description="The event's payload.")

    @field_validator("event")
    @classmethod
    def _custom_only(cls, value: str) -> str:
        from vespera.automation.rules import event_type_name
        from vespera_protocol.events import is_custom_type

        name = event_type_name(value)
        if not is_custom_type(name):
            raise ValueError(f"rules emit custom events only; {value!r} is a built-in type")
        return name


class EmitEvent(Action[EmitEventConfig]):
    """Emit a custom event into the log; rules listening for it run next."""

    name = "emit_event"
    config = EmitEventConfig
    summary = "Emit a custom event (its payload from templates); other rules may react to it."

    def plan(self, config: EmitEventConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        subject = run.require(inputs["subject"]).path
        data = plain(inputs["data"])
        run.emit(config.event, subject, data)
        return {"event": config.event, "subject": subject, "data": data}


class NotifyConfig(ActionConfig):
    """Tell the writer something."""

    type: Literal["notify"]
    message: str = Field(description="The message (a template).")
    level: Literal["info", "warning", "error"] = Field(default="info")


class Notify(Action[NotifyConfig]):
    """Show the writer a message in the editor."""

    name = "notify"
    config = NotifyConfig
    summary = "Show the writer a message in the editor."

    def plan(self, config: NotifyConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        message = str(inputs["message"])
        run.notify(message, config.level)
        return {"message": message}


class QueryConfig(ActionConfig):
    """Look notes up and store them for later actions."""

    type: Literal["query"]
    store_as: str = Field(description="The context key to store the result under.")
    graph: str | None = Field(default=None, description="A read-only graph (Cypher) query.")
    values: dict[str, Any] = Field(
        default_factory=dict, description="The graph query's parameters ($name in the query)."
    )
    codex_type: str | None = Field(default=None, description="Notes of this codex type.")
    tag: str | None = Field(default=None, description="Notes with a tag matching this pattern.")
    folder: str | None = Field(default=None, description="Notes under this folder.")
    linked_from: str | None = Field(
        default=None, description="Notes this note links to (a template)."
    )
    linked_field: str | None = Field(
        default=None, description="With linked_from or backlinks_of: through this field only."
    )
    backlinks_of: str | None = Field(default=None, description="Notes linking to this note.")


class Query(Action[QueryConfig]):
    """Store notes (or graph rows) in the context for later actions."""

    name = "query"
    config = QueryConfig
    summary = "Look notes up (by type, tag, folder, links or a graph query) into the context."

    def validate(self, config: QueryConfig) -> list[str]:
        """A query needs one way to look."""
        ways = [config.graph, config.linked_from, config.backlinks_of]
        if sum(w is not None for w in ways) > 1:
            return ["use one of graph, linked_from and backlinks_of"]
        return []

    def plan(self, config: QueryConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        view = run.view
        found: list[Any]
        if inputs["graph"]:
            found = view.graph(str(inputs["graph"]), **(inputs["values"] or {}))
        elif inputs["linked_from"] is not None:
            found = view.linked(inputs["linked_from"], inputs["linked_field"])
        elif inputs["backlinks_of"] is not None:
            found = view.backlinks(inputs["backlinks_of"], inputs["linked_field"])
        else:
            found = view.notes(inputs["codex_type"], inputs["tag"], inputs["folder"])
        if not inputs["graph"]:
            if inputs["codex_type"]:
                wanted = str(inputs["codex_type"]).casefold()
                found = [n for n in found if (n.type or "").casefold() == wanted]
            if inputs["tag"]:
                found = [n for n in found if n.has_tag(str(inputs["tag"]))]
        run.context[config.store_as] = found
        return {"count": len(found), "items": plain(found[:20])}


class ForEachConfig(ActionConfig):
    """Run actions once per item of a list."""

    type: Literal["for_each"]
    items: Any = Field(description="The list (a template: '${context.characters}').")
    as_: str = Field(default="item", alias="as", description="The name of the current item.")
    actions: list[AnyAction] = Field(min_length=1, description="The actions to run per item.")

    unrendered: ClassVar[frozenset[str]] = frozenset({"actions"})


class ForEach(Action[ForEachConfig]):
    """Run nested actions for each item of a list."""

    name = "for_each"
    config = ForEachConfig
    summary = "Run a list of actions once for each item of a list."

    def plan(self, config: ForEachConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        from vespera.automation.actions import run_actions

        items = inputs["items"]
        if items is None:
            items = []
        if isinstance(items, dict | str) or not hasattr(items, "__iter__"):
            items = [items]
        items = list(items)
        if len(items) > _MAX_ITEMS:
            raise ActionError(f"{len(items)} items is more than for_each takes ({_MAX_ITEMS})")
        for index, item in enumerate(items):
            with run.binding({config.as_: item, "loop_index": index}):
                run_actions(config.actions, run)
        return {"items": len(items)}


class DenyConfig(ActionConfig):
    """Refuse the write a pre-hook is asked about."""

    type: Literal["deny"]
    reason: str = Field(description="Why, in words for the writer (a template).")


class Deny(Action[DenyConfig]):
    """In an automation_write pre-hook: refuse the rule's write; its run is rolled back."""

    name = "deny"
    config = DenyConfig
    summary = "In a pre-hook on automation_write: refuse the write (the run is rolled back)."

    def plan(self, config: DenyConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        if run.event.type != "automation_write":
            raise ActionError("deny refuses a rule's write: use it in an automation_write hook")
        reason = str(inputs["reason"])
        run.denied = reason
        return {"reason": reason}
