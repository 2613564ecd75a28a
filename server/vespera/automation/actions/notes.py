"""Actions that change one note: its fields, tags, links and text.

Each names the note it changes with ``note`` (a template: a path, a title or a wikilink); the
trigger's note if unset.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import Field

from vespera.automation import note_edit
from vespera.automation.actions.base import Action, ActionConfig
from vespera.automation.planning import ActionError, RunPlan
from vespera.automation.vault_view import NoteView
from vespera.vault.resolve import fold


class NoteAction(ActionConfig):
    """Keys of actions that change a note."""

    note: str | None = Field(
        default=None, description="The note to change (a template); the trigger's note if unset."
    )


def _edit(run: RunPlan, ref: Any, edit: Any, summary: str) -> dict[str, Any]:
    note = run.require(ref)
    try:
        changed = run.change(note.path, edit, summary)
    except note_edit.NoteEditError as exc:
        raise ActionError(f"{note.path}: {exc}") from exc
    return {"note": note.path, "changed": changed}


def link_text(value: Any, run: RunPlan) -> Any:
    """A wikilink for a note given as a note, a path or a name; other values unchanged."""
    if isinstance(value, NoteView):
        return value.link
    if isinstance(value, list):
        return [link_text(v, run) for v in value]
    return value


class SetFieldConfig(NoteAction):
    """Set a frontmatter field."""

    type: Literal["set_field"]
    field: str = Field(description="The frontmatter field.")
    value: Any = Field(description="The value (a template; a note becomes a wikilink).")


class SetField(Action[SetFieldConfig]):
    """Set a frontmatter field of a note."""

    name = "set_field"
    config = SetFieldConfig
    summary = "Set a frontmatter field of a note to a value."

    def plan(self, config: SetFieldConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        field, value = inputs["field"], link_text(inputs["value"], run)
        return _edit(
            run,
            inputs["note"],
            lambda text: note_edit.set_field(text, field, value),
            f"set {field}",
        )


class UnsetFieldConfig(NoteAction):
    """Remove a frontmatter field."""

    type: Literal["unset_field"]
    field: str = Field(description="The frontmatter field.")


class UnsetField(Action[UnsetFieldConfig]):
    """Remove a frontmatter field of a note."""

    name = "unset_field"
    config = UnsetFieldConfig
    summary = "Remove a frontmatter field from a note."

    def plan(self, config: UnsetFieldConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        field = inputs["field"]
        return _edit(
            run, inputs["note"], lambda text: note_edit.unset_field(text, field), f"unset {field}"
        )


class AppendFieldConfig(NoteAction):
    """Append values to a list field."""

    type: Literal["append_field"]
    field: str = Field(description="The frontmatter field (made a list if it is not one).")
    value: Any = Field(description="A value or a list of values to append.")
    unique: bool = Field(default=True, description="Skip values the list already has.")


class AppendField(Action[AppendFieldConfig]):
    """Append to a frontmatter list."""

    name = "append_field"
    config = AppendFieldConfig
    summary = "Append values to a frontmatter list field."

    def plan(self, config: AppendFieldConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        field = inputs["field"]
        value = link_text(inputs["value"], run)
        values = value if isinstance(value, list) else [value]
        return _edit(
            run,
            inputs["note"],
            lambda text: note_edit.append_to_field(text, field, values, unique=config.unique),
            f"append to {field}",
        )


def _tags_edit(
    run: RunPlan, inputs: Mapping[str, Any], edit: Callable[[str, list[str]], str], verb: str
) -> dict[str, Any]:
    tags = [str(t) for t in _as_list(inputs["tags"])]
    summary = f"{verb} " + ", ".join(f"#{t.lstrip('#')}" for t in tags)
    return _edit(run, inputs["note"], lambda text: edit(text, tags), summary)


class TagsConfig(NoteAction):
    """Tags to add or remove."""

    tags: list[str] = Field(description="The tags (with or without '#').")


class AddTagsConfig(TagsConfig):
    """Add tags."""

    type: Literal["add_tags"]


class AddTags(Action[AddTagsConfig]):
    """Add tags to a note's frontmatter."""

    name = "add_tags"
    config = AddTagsConfig
    summary = "Add tags to a note (in its frontmatter)."

    def plan(self, config: AddTagsConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        return _tags_edit(run, inputs, note_edit.add_tags, "add")


class RemoveTagsConfig(TagsConfig):
    """Remove tags."""

    type: Literal["remove_tags"]


class RemoveTags(Action[RemoveTagsConfig]):
    """Remove tags from a note, in its frontmatter and its text."""

    name = "remove_tags"
    config = RemoveTagsConfig
    summary = "Remove tags from a note, from its frontmatter and its text."

    def plan(self, config: RemoveTagsConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        return _tags_edit(run, inputs, note_edit.remove_tags, "remove")


class ReplaceTagsConfig(NoteAction):
    """Replace one tag by another."""

    type: Literal["replace_tags"]
    old: str = Field(description="The tag to replace.")
    new: str = Field(description="The tag to put in its place.")


class ReplaceTags(Action[ReplaceTagsConfig]):
    """Replace a tag, wherever the note has it."""

    name = "replace_tags"
    config = ReplaceTagsConfig
    summary = "Replace one tag of a note by another, wherever it is written."

    def plan(self, config: ReplaceTagsConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        old, new = str(inputs["old"]), str(inputs["new"])
        return _edit(
            run,
            inputs["note"],
            lambda text: note_edit.replace_tags(text, old, new),
            f"#{old.lstrip('#')} -> #{new.lstrip('#')}",
        )


class AppendTextConfig(NoteAction):
    """Append a line to a note."""

    type: Literal["append_text"]
    text: str = Field(description="The text to append (a template).")
    heading: str | None = Field(
        default=None,
        description="Append at the end of this heading's section (created if missing).",
    )


class AppendText(Action[AppendTextConfig]):
    """Append text to a note, or to one of its sections."""

    name = "append_text"
    config = AppendTextConfig
    summary = "Append text to a note, at its end or at the end of a heading's section."

    def plan(self, config: AppendTextConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        line, heading = str(inputs["text"]), inputs["heading"]
        if heading:
            return _edit(
                run,
                inputs["note"],
                lambda text: note_edit.append_under_heading(text, str(heading), line),
                f"add to '{heading}'",
            )
        return _edit(
            run, inputs["note"], lambda text: note_edit.append_text(text, line), "append text"
        )


class LinkConfig(NoteAction):
    """Link a note to another through a field."""

    type: Literal["link"]
    field: str = Field(description="The link field.")
    to: Any = Field(description="The note to link to (a template: a note, path or name).")


class Link(Action[LinkConfig]):
    """Add a link to a frontmatter field: appended to a list, or set."""

    name = "link"
    config = LinkConfig
    summary = "Link a note to another through a frontmatter field."

    def plan(self, config: LinkConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        target = run.view.note(inputs["to"])
        if target is None:
            raise ActionError(f"no note {inputs['to']!r} to link to")
        note = run.require(inputs["note"])
        field = inputs["field"]
        current = note_edit.field_values(run.text_of(note.path) or "").get(field)
        if isinstance(current, list) or _is_list_field(run, note, field):
            edit = lambda text: note_edit.append_to_field(text, field, [target.link])  # noqa: E731
        else:
            edit = lambda text: note_edit.set_field(text, field, target.link)  # noqa: E731
        return {**_edit(run, note.path, edit, f"link {field} to {target.link}"), "to": target.path}


class UnlinkConfig(NoteAction):
    """Remove a link from a field."""

    type: Literal["unlink"]
    field: str = Field(description="The link field.")
    to: Any = Field(default=None, description="The note to unlink; every link if unset.")


class Unlink(Action[UnlinkConfig]):
    """Remove a link (or all links) from a frontmatter field."""

    name = "unlink"
    config = UnlinkConfig
    summary = "Remove a link from a frontmatter field."

    def plan(self, config: UnlinkConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        note = run.require(inputs["note"])
        field = inputs["field"]
        if inputs["to"] is None:
            return _edit(
                run, note.path, lambda text: note_edit.unset_field(text, field), f"unlink {field}"
            )
        target = run.view.resolve(inputs["to"])
        current = note_edit.field_values(run.text_of(note.path) or "").get(field)
        values = current if isinstance(current, list) else [current]
        if target is None:
            # No such note: only links written that way go (a dangling "[[Ghost]]"), never
            # every value that resolves to no note.
            wanted = _link_name(inputs["to"])
            gone = [v for v in values if isinstance(v, str) and _link_name(v) == wanted]
        else:
            gone = [v for v in values if isinstance(v, str) and run.view.resolve(v) == target]
        if not gone:
            return {"note": note.path, "changed": False}
        if isinstance(current, list):
            edit = lambda text: note_edit.remove_from_field(text, field, gone)  # noqa: E731
        else:
            edit = lambda text: note_edit.unset_field(text, field)  # noqa: E731
        return _edit(run, note.path, edit, f"unlink {field}")


def _link_name(value: Any) -> str:
    """The note name a link or reference is written with: ``[[Ghost|boo]]`` is ``ghost``."""
    text = str(value).strip().removeprefix("[[").removesuffix("]]")
    return fold(re.split(r"[|#^]", text, maxsplit=1)[0].strip())


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _is_list_field(run: RunPlan, note: NoteView, field: str) -> bool:
    codex = run.codex
    kind = codex.get(note.type) if codex is not None else None
    spec = kind.fields.get(field) if kind is not None else None
    return bool(spec is not None and spec.list)
