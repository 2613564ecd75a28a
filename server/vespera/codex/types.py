"""The codex type format: one YAML file per type in ``.vespera/types/``.

A type file is meant to be read and written by a writer::

    # .vespera/types/scene.yaml
    description: One scene of the story.
    fields:
      title: {type: text, required: true}
      characters: {type: link, list: true, to: character}
      order: number                      # shorthand for {type: number}
      status: {type: enum, values: [draft, final]}
    tags:
      mood: {required: true, values: [tense, peaceful]}   # every scene carries one mood: tag

The type's name is the file name (``scene.yaml`` defines ``type: scene``) unless ``name`` says
otherwise. A broken file becomes a problem at its line and the other types still apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vespera.vault.model import Problem, Range
from vespera.vault.resolve import fold

TYPES_DIR = ".vespera/types"
FieldKind = Literal["text", "number", "boolean", "date", "link", "enum", "tags"]
_MAX_TYPE_FILE = 256 * 1024


def is_type_path(path: str) -> bool:
    """Whether a vault-relative path is inside the folder of codex type files."""
    return path.startswith(TYPES_DIR + "/")


class FieldSpec(BaseModel):
    """One frontmatter field of a codex type."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: FieldKind = Field(
        default="text",
        description=(
            "What the value is: text, number, boolean, date (YYYY-MM-DD), link ('[[Note]]'), "
            "enum (one of 'values') or tags."
        ),
    )
    required: bool = Field(default=False, description="Every note of this type must set it.")
    list: bool = Field(default=False, description="The value is a list of such values.")
    values: tuple[str, ...] = Field(
        default=(), description="For enum fields: the values allowed, in the order offered."
    )
    to: tuple[str, ...] = Field(
        default=(),
        description="For link fields: the codex types the linked notes must have (any if empty).",
    )
    description: str = Field(default="", description="Shown when completing the field.")

    @field_validator("values", "to", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class TagRule(BaseModel):
    """A tag namespace (``mood`` for ``mood:tense``) that notes of a type carry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    required: bool = Field(default=False, description="Every note of this type carries one.")
    values: tuple[str, ...] = Field(
        default=(), description="The values allowed after 'namespace:' (any if empty)."
    )
    description: str = ""

    @field_validator("values", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class CodexType(BaseModel):
    """A codex type file (``.vespera/types/<name>.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="", description="The type's name; the file name by default.")
    description: str = Field(default="", description="What notes of this type are.")
    fields: dict[str, FieldSpec] = Field(
        default_factory=dict,
        description="Frontmatter fields by name; a bare kind ('number') is short for {type: ...}.",
    )
    tags: dict[str, TagRule] = Field(
        default_factory=dict,
        description=(
            "Tag namespaces by name (the part before ':'); a list of names means each is required."
        ),
    )

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand_fields(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"type": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _shorthand_tags(cls, value: Any) -> Any:
        if isinstance(value, list):  # tags: [mood, status] means each is required
            return {str(v): {"required": True} for v in value}
        if isinstance(value, dict):
            return {k: {} if v is None else v for k, v in value.items()}
        return value


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a type file, accepting the shorthands the validators expand."""
    schema = CodexType.model_json_schema()
    one_or_many = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    for name, keys in (("FieldSpec", ("values", "to")), ("TagRule", ("values",))):
        for key in keys:
            prop = schema["$defs"][name]["properties"][key]
            schema["$defs"][name]["properties"][key] = {
                **{k: v for k, v in prop.items() if k not in ("type", "items")},
                **one_or_many,
            }
    props = schema["properties"]
    props["fields"]["additionalProperties"] = {
        "anyOf": [{"$ref": "#/$defs/FieldSpec"}, {"enum": list(get_args(FieldKind))}]
    }
    props["tags"] = {
        "description": props["tags"].get("description", ""),
        "anyOf": [
            {
                "type": "object",
                "additionalProperties": {"anyOf": [{"$ref": "#/$defs/TagRule"}, {"type": "null"}]},
            },
            {"type": "array", "items": {"type": "string"}},
        ],
    }
    return schema


class Codex:
    """The vault's codex types by folded name, and the problems of its type files."""

    def __init__(
        self,
        types: dict[str, CodexType] | None = None,
        problems: dict[str, list[Problem]] | None = None,
    ) -> None:
        self.types = types or {}
        self.problems = problems or {}

    def __bool__(self) -> bool:
        return bool(self.types)

    def get(self, name: str | None) -> CodexType | None:
        """The type called ``name`` (case-insensitive), if defined."""
        return self.types.get(fold(name)) if name else None

    @property
    def names(self) -> list[str]:
        """The type names as written, sorted."""
        return sorted(t.name for t in self.types.values())


def load_codex(root: Path) -> Codex:
    """Read every type file of the vault at ``root``; broken files become problems."""
    folder = root / TYPES_DIR
    types: dict[str, CodexType] = {}
    problems: dict[str, list[Problem]] = {}
    if not folder.is_dir():
        return Codex()
    for file in sorted(folder.iterdir()):
        if file.suffix.lower() not in (".yaml", ".yml") or not file.is_file():
            continue
        rel = f"{TYPES_DIR}/{file.name}"
        try:
            if file.stat().st_size > _MAX_TYPE_FILE:
                raise ValueError(f"over {_MAX_TYPE_FILE // 1024} KB")
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            problems[rel] = [_problem(f"Cannot read this type file: {exc}.")]
            continue
        parsed, found = parse_type_file(file.stem, text)
        if found:
            problems[rel] = found
        if parsed is not None:
            key = fold(parsed.name)
            if key in types:
                problems.setdefault(rel, []).append(
                    _problem(f"Type {parsed.name!r} is defined twice; this file is ignored.")
                )
                continue
            types[key] = parsed
    return Codex(types, problems)


def parse_type_file(stem: str, text: str) -> tuple[CodexType | None, list[Problem]]:
    """A type from the text of its file, or the problems that stop it (with their lines)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        span = Range(mark.line, 0, mark.line + 1, 0) if mark is not None else None
        return None, [_problem(f"Not valid YAML: {getattr(exc, 'problem', exc)}.", span)]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [_problem("A type file is a mapping (description, fields, tags).")]
    try:
        parsed = CodexType.model_validate(data)
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            where = [str(p) for p in err["loc"]]
            out.append(
                _problem(f"{'.'.join(where) or 'type'}: {err['msg']}.", _key_line(text, where))
            )
        return None, out
    if not parsed.name:
        parsed = parsed.model_copy(update={"name": stem})
    return parsed, []


def _key_line(text: str, where: list[str]) -> Range | None:
    """The line of the deepest key of ``where`` found in order in ``text`` (best effort)."""
    lines = text.splitlines()
    line_no = None
    start = 0
    for key in where:
        for number in range(start, len(lines)):
            stripped = lines[number].lstrip()
            if stripped.startswith((f"{key}:", f'"{key}":', f"'{key}':")):
                line_no, start = number, number + 1
                break
    if line_no is None:
        return None
    return Range(line_no, 0, line_no, len(lines[line_no]))


def _problem(message: str, span: Range | None = None) -> Problem:
    return Problem("codex-type-invalid", message, "error", span or Range(0, 0, 0, 0))
