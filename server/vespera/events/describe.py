"""One line in words for an event, for terminals and notifications."""

from __future__ import annotations

from typing import Any

from vespera_protocol.events import Event


def _value(value: Any) -> str:
    return "(none)" if value is None else str(value)


def describe(event: Event) -> str:
    """What happened, briefly: ``mood: peaceful -> tense; +weather/fog``."""
    data = event.data
    kind = event.type
    if kind in ("note.created", "note.deleted"):
        what = f" ({data['type']})" if data.get("type") else ""
        return f"{data.get('title', '')}{what}"
    if kind == "note.renamed":
        return f"from {data.get('old_path')}"
    if kind == "tag_changed":
        parts = [f"{c['key']}: {c['old']} -> {c['new']}" for c in data.get("changed", [])]
        parts += [f"+{t['name']}" for t in data.get("added", [])]
        parts += [f"-{t['name']}" for t in data.get("removed", [])]
        return "; ".join(parts)
    if kind == "status_changed":
        return f"status: {_value(data.get('old'))} -> {_value(data.get('new'))}"
    if kind == "field_changed":
        return f"{data.get('field')}: {_value(data.get('old'))} -> {_value(data.get('new'))}"
    if kind in ("relationship_created", "relationship_removed"):
        field = f" in {data['field']}" if data.get("field") else ""
        return f"{data.get('target')}{field}"
    if kind == "codex_linked":
        return f"{data.get('target')} ({data.get('target_type')})"
    if kind == "task_completed":
        return str(data.get("text", ""))
    if kind == "task_status_changed":
        return f"{data.get('text')}: [{data.get('old')}] -> [{data.get('new')}]"
    if kind == "content_updated":
        return "text changed"
    values = data.get("values")
    return ", ".join(f"{k}={v}" for k, v in values.items()) if isinstance(values, dict) else ""
