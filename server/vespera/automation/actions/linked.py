"""``update_linked_codex``: point a note's link field at the note of a type that fits.

The scene-music scenario: a scene's mood changes, and its ``music`` field should name the music
note tagged with the new mood. The action chooses among notes of ``target_type`` by tags and an
optional expression, sets the link, and stores ``previous`` and ``selected`` for later actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from vespera.automation import note_edit
from vespera.automation.actions.base import Action, ActionConfig
from vespera.automation.planning import ActionError, RunPlan
from vespera.automation.vault_view import NoteView


class UpdateLinkedCodexConfig(ActionConfig):
    """Choose a note of a type and link it from a field."""

    type: Literal["update_linked_codex"]
    note: str | None = Field(
        default=None, description="The note whose field changes; the trigger's note if unset."
    )
    field: str = Field(description="The link field to set ('music').")
    target_type: str | None = Field(
        default=None, description="The codex type of the note to choose ('music')."
    )
    tags: list[str] = Field(
        default_factory=list,
        description="Tag patterns the chosen note must all have ('mood:${trigger.new_value}').",
    )
    where: str | None = Field(
        default=None,
        description="A template expression over 'candidate' that must be true of the choice.",
    )
    query: str | None = Field(
        default=None,
        description="A read-only graph query returning note paths, the candidates in order.",
    )
    store_as: str = Field(
        default="linked",
        description="The context key of the result: previous, selected (paths) and changed.",
    )
    if_none: Literal["keep", "clear", "fail"] = Field(
        default="keep",
        description="When no note fits: keep the link as it is, clear the field, or fail.",
    )


class UpdateLinkedCodex(Action[UpdateLinkedCodexConfig]):
    """Set a link field to the note of a type whose tags fit."""

    name = "update_linked_codex"
    config = UpdateLinkedCodexConfig
    summary = "Point a link field at the note of a codex type whose tags fit (mood music)."

    def validate(self, config: UpdateLinkedCodexConfig) -> list[str]:
        """A choice needs something to choose by."""
        if not (config.target_type or config.tags or config.query or config.where):
            return ["say how to choose the note: target_type, tags, where or query"]
        return []

    def plan(self, config: UpdateLinkedCodexConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        note = run.require(inputs["note"])
        field = str(inputs["field"])
        candidates = self._candidates(inputs, run)
        chosen: NoteView | None = None
        for candidate in candidates:
            if candidate.path == note.path:
                continue
            if config.where is not None:
                with run.binding({"candidate": candidate}):
                    if not run.truth(config.where):
                        continue
            chosen = candidate
            break
        current = note_edit.field_values(run.text_of(note.path) or "").get(field)
        previous = run.view.resolve(current) if isinstance(current, str) else None
        result: dict[str, Any] = {
            "previous": previous,
            "previous_title": _title(run, previous),
            "selected": previous,
            "selected_title": _title(run, previous),
            "changed": False,
            "candidates": len(candidates),
        }
        if chosen is None:
            if config.if_none == "fail":
                raise ActionError(f"no note fits for {field} (of {len(candidates)} candidates)")
            if config.if_none == "clear" and current is not None:
                run.change(
                    note.path, lambda text: note_edit.unset_field(text, field), f"clear {field}"
                )
                result.update(selected=None, selected_title=None, changed=True)
        elif chosen.path != previous:
            run.change(
                note.path,
                lambda text: note_edit.set_field(text, field, chosen.link),
                f"{field}: {chosen.title}",
            )
            result.update(selected=chosen.path, selected_title=chosen.title, changed=True)
        run.context[config.store_as] = result
        return result

    def _candidates(self, inputs: Mapping[str, Any], run: RunPlan) -> list[NoteView]:
        if inputs["query"]:
            rows = run.view.graph(str(inputs["query"]))
            found = [run.view.note(r) for r in rows]
            notes = [n for n in found if n is not None]
            if inputs["target_type"]:
                wanted = str(inputs["target_type"]).casefold()
                notes = [n for n in notes if (n.type or "").casefold() == wanted]
        else:
            notes = run.view.notes(type=inputs["target_type"] or None)
        patterns = [str(t) for t in inputs["tags"] or []]
        return [n for n in notes if all(n.has_tag(p) for p in patterns)]


def _title(run: RunPlan, path: str | None) -> str | None:
    note = run.view.note(path) if path else None
    return note.title if note else None
