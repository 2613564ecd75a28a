"""Hover in rule files: what a key means, what an action does, what an event is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vespera.editor.document import index_to_utf16
from vespera.editor.rule_cursor import rule_token, split_lines
from vespera.editor.rule_keys import action_markdown, key_doc, place_of
from vespera.editor.rule_values import event_markdown
from vespera.vault.model import Range


@dataclass(frozen=True, slots=True)
class RuleHover:
    """A hover's Markdown text and the range of what it describes."""

    markdown: str
    range: Range


def rule_hover(
    text: str, line: int, character: int, events: Iterable[str] = ()
) -> RuleHover | None:
    """What the key, action type or event type at (``line``, UTF-16 ``character``) means."""
    token = rule_token(text, line, character)
    place = place_of(token.path) if token is not None else None
    if token is None or place is None:
        return None
    markdown: str | None = None
    if token.on_key:
        found = key_doc(place.part, token.present, token.word) if place.key is None else None
        markdown = found.markdown() if found is not None else None
    else:
        key = token.key if place.key is None else place.key
        if (place.part, key) == ("action", "type"):
            markdown = action_markdown(token.word)
        elif key == "event" and place.part in ("trigger", "action"):
            markdown = event_markdown(token.word, events)
    if markdown is None:
        return None
    raw = split_lines(text)[line]
    span = Range(line, index_to_utf16(raw, token.start), line, index_to_utf16(raw, token.end))
    return RuleHover(markdown, span)
