"""Actions that create notes: ``create_note`` and ``create_task``.

A note that already exists is left alone (the action reports it was there), so a rule that
fires twice does not make duplicates or overwrite a writer's edits to the first copy.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from vespera.automation import note_edit
from vespera.automation.actions.base import Action, ActionConfig
from vespera.automation.actions.notes import link_text
from vespera.automation.planning import ActionError, RunPlan
from vespera.vault.resolve import fold

_UNSAFE = re.compile(r'[\\/:*?"<>|#^\[\]\x00-\x1f]+')
TASK_TYPE = "task"


def file_name(title: str) -> str:
    """A file name for a note titled ``title``: characters links and systems refuse removed."""
    name = _UNSAFE.sub(" ", title).strip().strip(".")
    name = re.sub(r"\s+", " ", name)[:120].strip()
    if not name:
        raise ActionError(f"{title!r} makes no usable file name")
    return name


def safe_path(path: str) -> str:
    """A vault-relative note path from what a rule wrote; refuses paths that leave the vault."""
    cleaned = path.replace("\\", "/").strip()
    if cleaned.startswith("/") or re.match(r"^[A-Za-z]:", cleaned):
        raise ActionError(f"{path!r} is not inside the vault (use a vault-relative path)")
    normal = posixpath.normpath(cleaned)
    if normal.startswith("..") or normal in (".", ""):
        raise ActionError(f"{path!r} is not inside the vault")
    if normal.split("/", 1)[0] in (".vespera", ".git", ".obsidian"):
        raise ActionError(f"{path!r} is inside a settings folder; rules create notes only")
    return normal if normal.lower().endswith(".md") else normal + ".md"


class CreateNoteConfig(ActionConfig):
    """Create a note."""

    type: Literal["create_note"]
    path: str = Field(description="Where, relative to the vault ('.md' added if missing).")
    codex_type: str | None = Field(default=None, description="The note's codex type.")
    fields: dict[str, Any] = Field(
        default_factory=dict, description="Frontmatter fields (notes become wikilinks)."
    )
    tags: list[str] = Field(default_factory=list, description="Tags of the new note.")
    body: str = Field(default="", description="The text after the frontmatter.")
    store_as: str | None = Field(
        default=None, description="The context key to store the new note's path under."
    )


def _fields(inputs: Mapping[str, Any], run: RunPlan, extra: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = dict(extra)
    for key, value in (inputs.get("fields") or {}).items():
        fields[str(key)] = link_text(value, run)
    tags = [str(t).lstrip("#") for t in inputs.get("tags") or []]
    if tags:
        fields["tags"] = list(dict.fromkeys([*fields.get("tags", []), *tags]))
    return fields


def _create(run: RunPlan, path: str, fields: dict[str, Any], body: str, store_as: Any) -> Any:
    existed = run.exists(path)
    if not existed:
        run.create(path, note_edit.new_note(fields, body), "created")
    if store_as:
        run.context[str(store_as)] = path
    return {"path": path, "created": not existed}


class CreateNote(Action[CreateNoteConfig]):
    """Create a note with fields, tags and text."""

    name = "create_note"
    config = CreateNoteConfig
    summary = "Create a note (left alone if it already exists)."

    def plan(self, config: CreateNoteConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        path = safe_path(str(inputs["path"]))
        extra = {"type": inputs["codex_type"]} if inputs["codex_type"] else {}
        fields = _fields(inputs, run, extra)
        return _create(run, path, fields, str(inputs["body"] or ""), inputs["store_as"])


class CreateTaskConfig(ActionConfig):
    """Create a task note."""

    type: Literal["create_task"]
    title: str = Field(description="The task's title; also its file name.")
    folder: str | None = Field(
        default=None,
        description="Where to put it; the folder most task notes are in if unset ('Tasks').",
    )
    status: str = Field(default="open", description="The task's status.")
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="More frontmatter fields, such as about: the note it is about.",
    )
    tags: list[str] = Field(default_factory=list, description="Tags of the task.")
    body: str = Field(default="", description="The task's text.")
    store_as: str | None = Field(
        default=None, description="The context key to store the new task's path under."
    )


class CreateTask(Action[CreateTaskConfig]):
    """Create a task note of the vault's task codex type."""

    name = "create_task"
    config = CreateTaskConfig
    summary = "Create a task note (type: task) from a title, fields and tags."

    def plan(self, config: CreateTaskConfig, inputs: Mapping[str, Any], run: RunPlan) -> Any:
        title = str(inputs["title"])
        folder = inputs["folder"]
        if folder is None:
            homes = [n.folder for n in run.view.notes(type=TASK_TYPE)]
            folder = max(set(homes), key=lambda f: (homes.count(f), f)) if homes else "Tasks"
        path = safe_path(posixpath.join(str(folder), file_name(title)))
        extra = {"type": TASK_TYPE, "title": title, "status": inputs["status"]}
        if any(fold(str(k)) == "type" for k in inputs.get("fields") or {}):
            raise ActionError("a task's type is always task")
        fields = _fields(inputs, run, extra)
        return _create(run, path, fields, str(inputs["body"] or ""), inputs["store_as"])
