"""What every action shares: its configuration's common keys and the plugin interface.

An action is a plugin with three steps. ``validate`` checks a configuration beyond its schema
(when rules load, so a mistake shows in the editor before anything runs); ``plan`` works out
what the action would do, as :class:`Effect` values, without touching the vault; each effect's
``apply`` then does it. Planning first is what lets a run change one note in one edit however
many actions touch it, and what a dry run shows.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from vespera.automation.planning import RunPlan


class ActionConfig(BaseModel):
    """Keys every action accepts besides its own."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: str
    label: str | None = Field(
        default=None, description="A name for this step, shown in traces and results."
    )
    when: str | None = Field(
        default=None,
        description="A template expression; the action runs only when it is true.",
    )
    continue_on_error: bool = Field(
        default=False,
        description="Go on with the next actions if this one fails (the run is then 'partial').",
    )

    unrendered: ClassVar[frozenset[str]] = frozenset()
    """Keys whose templates the action renders itself, later (nested actions)."""

    def params(self) -> dict[str, Any]:
        """The action's own keys, as templates to render (common keys left out)."""
        return self.model_dump(
            exclude={"type", "label", "when", "continue_on_error", *self.unrendered},
            by_alias=True,
        )


C = TypeVar("C", bound=ActionConfig)


class Action(ABC, Generic[C]):
    """One kind of action: its name, configuration model and behaviour."""

    name: ClassVar[str]
    config: ClassVar[type[ActionConfig]]
    summary: ClassVar[str]
    """One sentence for hover and completion."""

    def validate(self, config: C) -> list[str]:
        """Problems with ``config`` that its schema cannot express (none by default)."""
        return []

    @abstractmethod
    def plan(self, config: C, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        """Work out the action's effects into ``run``; returns what it stores as its result.

        ``inputs`` are the action's own keys with their templates rendered.
        """
