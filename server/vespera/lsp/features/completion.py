"""``textDocument/completion``: tags after ``#`` and in frontmatter ``tags:``, link targets
after ``[[``, and headings and blocks after ``[[Note#`` and ``[[Note#^``; in rule files, keys
and values (:mod:`vespera.editor.rule_completion`).

Answers come from the catalog snapshot and the open documents; only heading and block lists of
closed notes are read from the index, through its read-only connection.
"""

from __future__ import annotations

import asyncio

from lsprotocol import types as lsp

from vespera.automation.loader import rule_yaml
from vespera.automation.rules import is_rule_path
from vespera.editor.completion import (
    block_suggestions,
    heading_suggestions,
    link_suggestions,
    tag_suggestions,
)
from vespera.editor.cursor import (
    BlockSlot,
    FieldKeySlot,
    FieldValueSlot,
    HeadingSlot,
    LinkSlot,
    TagSlot,
    cursor_at,
    declared_type,
    slot_at,
)
from vespera.editor.document import index_to_utf16
from vespera.editor.field_completion import (
    field_key_suggestions,
    field_value_suggestions,
    link_types,
)
from vespera.editor.rule_completion import RuleCompletions, RuleVault, rule_completions
from vespera.editor.rule_values import emitted_events
from vespera.lsp.convert import to_completion, to_range
from vespera.lsp.server import VesperaServer
from vespera.lsp.vault_host import VaultHost

TRIGGERS = ["#", "[", "/", ":", "^"]


def register(server: VesperaServer) -> None:
    """Wire completion."""

    @server.feature(
        lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=TRIGGERS)
    )
    async def completion(
        ls: VesperaServer, params: lsp.CompletionParams
    ) -> lsp.CompletionList | None:
        """Offer what fits what is being typed at the cursor."""
        host, doc = ls.document(params.text_document.uri)
        if is_rule_path(doc.path):
            return await _rule_completion(
                ls, host, rule_yaml(doc.path, doc.text)[0], params.position
            )
        await host.parse(doc)
        cursor = cursor_at(doc, params.position.line, params.position.character)
        slot = slot_at(doc, cursor)
        if slot is None:
            return None
        incomplete = False
        if isinstance(slot, TagSlot):
            suggestions = tag_suggestions(host.catalog, slot.prefix, exclude=slot.prefix)
            # The most used first; typing more narrows the list and asks again.
            limit = ls.settings.max_completion_items
            incomplete = len(suggestions) > limit
            suggestions = suggestions[:limit]
        elif isinstance(slot, LinkSlot):
            kind = host.codex.get(declared_type(doc))
            suggestions, incomplete = link_suggestions(
                host.catalog,
                slot.prefix,
                slot.closed,
                ls.settings.max_completion_items,
                link_types(kind, slot.field),
            )
        elif isinstance(slot, FieldKeySlot):
            kind = host.codex.get(declared_type(doc))
            present = set(doc.parsed.frontmatter)
            suggestions = field_key_suggestions(kind, host.codex, present, slot.prefix)
        elif isinstance(slot, FieldValueSlot):
            kind = host.codex.get(declared_type(doc))
            suggestions = field_value_suggestions(
                slot.key,
                kind,
                host.codex,
                host.catalog,
                slot.prefix,
                ls.settings.max_completion_items,
            )
        elif isinstance(slot, HeadingSlot):
            suggestions = heading_suggestions(
                await _headings(host, doc.path, slot.target), slot.prefix
            )
        else:
            assert isinstance(slot, BlockSlot)
            suggestions = block_suggestions(await _blocks(host, doc.path, slot.target), slot.prefix)
        start = index_to_utf16(cursor.text, slot.start)
        edit_range = lsp.Range(
            lsp.Position(cursor.line, start), lsp.Position(cursor.line, params.position.character)
        )
        items = [to_completion(s, edit_range, rank) for rank, s in enumerate(suggestions)]
        # Until the vault is indexed the answer may grow: say so, and the editor asks again.
        incomplete = incomplete or host.state != "ready"
        return lsp.CompletionList(is_incomplete=incomplete, items=items)


async def _rule_completion(
    ls: VesperaServer, host: VaultHost, text: str, position: lsp.Position
) -> lsp.CompletionList | None:
    """Keys and values in a rule file (worked out in a thread: it reads the YAML around)."""
    files = list(host.automation.files.values()) if host.automation is not None else []
    codex, catalog, limit = host.codex, host.catalog, ls.settings.max_completion_items

    def complete() -> RuleCompletions | None:
        vault = RuleVault(codex, catalog, emitted_events(files, text))
        return rule_completions(text, position.line, position.character, vault, limit)

    found = await asyncio.to_thread(complete)
    if found is None:
        return None
    edit_range = to_range(found.range)
    items = [to_completion(s, edit_range, rank) for rank, s in enumerate(found.suggestions)]
    # Until the vault is indexed, its tags may grow: the editor asks again.
    incomplete = found.incomplete or host.state != "ready"
    return lsp.CompletionList(is_incomplete=incomplete, items=items)


async def _headings(host: VaultHost, source: str, target: str) -> list[tuple[int, str]]:
    path = host.resolve(target, "wikilink", source).path
    if path is None:
        return []
    headings, _ = await host.outline_of(path)
    return [(h.level, h.text) for h in headings]


async def _blocks(host: VaultHost, source: str, target: str) -> list[tuple[str, str]]:
    path = host.resolve(target, "wikilink", source).path
    if path is None:
        return []
    _, blocks = await host.outline_of(path)
    doc = host.documents.get(path)  # an open note shows each block's line
    return [(b.id, doc.line(b.range.start_line).strip() if doc else "") for b in blocks]
