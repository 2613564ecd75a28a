"""The first text of a note created for a link, shaped by the codex type the link asks for."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from posixpath import dirname

from vespera.codex.types import CodexType
from vespera.vault.resolve import fold


def new_note_text(title: str, kind: CodexType | None) -> str:
    """A title heading; with a type, frontmatter holding its type and required fields first."""
    if kind is None:
        return f"# {title}\n"
    lines = ["---", f"type: {kind.name}"]
    for name, spec in kind.fields.items():
        if not spec.required:
            continue
        if name == "title":
            value = json.dumps(title, ensure_ascii=False)  # a JSON string is valid YAML
        elif spec.list:
            value = "[]"
        else:
            value = ""
        lines.append(f"{name}: {value}".rstrip())
    if any(rule.required for rule in kind.tags.values()):
        lines.append("tags: []")
    lines += ["---", "", f"# {title}", ""]
    return "\n".join(lines)


def home_folder(notes: Iterable[tuple[str, str | None]], type_name: str) -> str:
    """The folder most notes of a type live in ("" for the vault root, or when there are none)."""
    wanted = fold(type_name)
    folders = Counter(dirname(path) for path, kind in notes if kind and fold(kind) == wanted)
    if not folders:
        return ""
    return min(folders, key=lambda folder: (-folders[folder], folder))
