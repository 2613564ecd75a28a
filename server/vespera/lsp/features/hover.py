"""``textDocument/hover``: a tag's usage and a few notes carrying it; a link's target note; in
rule files, what a key, an action type or an event type means."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types as lsp

from vespera.automation.loader import rule_yaml
from vespera.automation.rules import is_rule_path
from vespera.editor.navigation import element_at
from vespera.editor.rule_hover import RuleHover, rule_hover
from vespera.editor.rule_values import emitted_events
from vespera.lsp.convert import to_range
from vespera.lsp.server import VesperaServer
from vespera.lsp.vault_host import VaultHost
from vespera.vault.model import Link, Tag
from vespera.vault.resolve import strip_md

_PREVIEW_LINES = 5
_PREVIEW_BYTES = 4096


def register(server: VesperaServer) -> None:
    """Wire hover."""

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def hover(ls: VesperaServer, params: lsp.HoverParams) -> lsp.Hover | None:
        """Describe the tag or link under the cursor (in a rule file: the key or name)."""
        host, doc = ls.document(params.text_document.uri)
        if is_rule_path(doc.path):
            return await _rule_hover(host, rule_yaml(doc.path, doc.text)[0], params.position)
        await host.parse(doc)
        element = element_at(doc.parsed, params.position.line, params.position.character)
        text: str | None
        if isinstance(element, Tag):
            text = await _tag_text(ls, host, element)
        elif isinstance(element, Link):
            text = await _link_text(ls, host, doc.path, element)
        else:
            return None
        if text is None:
            return None
        return lsp.Hover(
            contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text),
            range=to_range(element.range),
        )


async def _rule_hover(host: VaultHost, text: str, position: lsp.Position) -> lsp.Hover | None:
    """What a key, action type or event type of a rule file means."""
    files = list(host.automation.files.values()) if host.automation is not None else []

    def describe() -> RuleHover | None:
        events = emitted_events(files, text)
        return rule_hover(text, position.line, position.character, events)

    found = await asyncio.to_thread(describe)
    if found is None:
        return None
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=found.markdown),
        range=to_range(found.range),
    )


async def _tag_text(ls: VesperaServer, host: VaultHost, tag: Tag) -> str:
    info = host.catalog.tags.get(tag.norm)
    if info is None:
        return f"**#{tag.name}**: not used anywhere else yet."
    uses = "1 use" if info.uses == 1 else f"{info.uses} uses"
    notes = "1 note" if info.notes == 1 else f"{info.notes} notes"
    lines = [f"**#{info.name}**: {uses} in {notes}"]
    if host.reader is not None:
        tagged = await host.reader.notes_tagged(tag.norm)
        if tagged:
            lines.append("")
            lines += [f"- [{title}]({ls.uri_of(host, path)})" for path, title in tagged]
    return "\n".join(lines)


async def _link_text(ls: VesperaServer, host: VaultHost, source: str, link: Link) -> str | None:
    if host.session is None:
        return None
    found = host.resolve(link.target, link.kind, source)
    if found.path is None:
        return f"**{strip_md(link.target)}**: no such note yet."
    note = host.catalog.notes.get(found.path)
    title = note.title if note else strip_md(found.path)
    kind = f" · {note.type}" if note and note.type else ""
    lines = [f"**{title}**{kind}", "", f"`{found.path}`"]
    if found.ambiguous:
        lines.append(f"\n{found.candidates} notes share this name; this is the one it opens.")
    preview = await _preview(host, found.path)
    if preview:
        lines += ["", "---", "", preview]
    return "\n".join(lines)


async def _preview(host: VaultHost, path: str) -> str:
    """The first lines of a note's body (after its frontmatter)."""
    doc = host.documents.get(path)
    if doc is not None:
        text = doc.text[:_PREVIEW_BYTES]
    else:
        text = await asyncio.to_thread(_head, host.root / path)
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for end, line in enumerate(lines[1:], 1):
            if line.strip() in ("---", "..."):
                lines = lines[end + 1 :]
                break
    body = [line for line in lines if line.strip()][:_PREVIEW_LINES]
    return "\n".join(body)


def _head(file: Path) -> str:
    try:
        with file.open("rb") as handle:
            return handle.read(_PREVIEW_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""
