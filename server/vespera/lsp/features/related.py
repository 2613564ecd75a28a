"""Related notes and semantic search: ``vespera/related``, ``vespera/search``, the "Related"
code lens at the top of each note, and the commands its entries run.

The lens reads stored vectors only (no model run), so it costs a vector query and two graph
lookups. Every entry is a standard LSP command: any editor that shows code lenses can open a
related note (``window/showDocument``) or choose among all of them
(``window/showMessageRequest``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams

from vespera.editor.document import utf16_to_index
from vespera.lsp.convert import uri_to_path
from vespera.lsp.features.events import host_of, params_of
from vespera.lsp.server import VesperaServer
from vespera.lsp.vault_host import VaultHost
from vespera.vault.walk import is_note_path
from vespera_protocol.messages import (
    OPEN_NOTE_COMMAND,
    RELATED,
    RELATED_MORE_COMMAND,
    SEARCH,
    SEMANTIC_PAUSE_COMMAND,
    SEMANTIC_RESUME_COMMAND,
    SEMANTIC_SET_PAUSED,
    SEMANTIC_STATUS,
    RelatedFilters,
    RelatedItem,
    RelatedParams,
    RelatedResult,
    SearchParams,
    SemanticStatusParams,
    SetPausedParams,
)

if TYPE_CHECKING:
    from vespera.semantic.related import RelatedNote, RelatedQuery

LENS_ENTRIES = 3
"""Related notes named in the lens; the rest are a click away."""
_MORE = 20  # notes offered by "more"


def _item(ls: VesperaServer, host: VaultHost, note: RelatedNote) -> RelatedItem:
    return RelatedItem(
        path=note.path,
        uri=ls.uri_of(host, note.path),
        title=note.title,
        type=note.type,
        score=round(note.score, 4),
        semantic=round(note.semantic, 4),
        shared_tags=list(note.shared_tags),
        link_distance=note.link_distance,
        passage=note.passage,
        reasons=note.reasons,
    )


def _not_ready(host: VaultHost) -> str:
    semantic = host.semantic
    if semantic.state == "unavailable":
        return semantic.message
    if semantic.state == "off":
        return "Semantic features are off (the 'semantic' setting, or provider: none)."
    if semantic.state == "loading":
        return "The embedding model is loading."
    return ""


async def related_to(host: VaultHost, query: RelatedQuery) -> tuple[list[RelatedNote], str]:
    """Notes related to ``query``, or none and a sentence saying why."""
    from vespera.semantic.embedders import EmbeddingError
    from vespera.semantic.model_files import ModelUnavailableError
    from vespera.semantic.related import NothingToCompareError

    if not host.semantic.ready:
        return [], _not_ready(host) or "The embedding model is loading."
    layer = host.semantic.layer
    assert layer is not None
    try:
        return await layer.related(query), ""
    except NothingToCompareError as exc:
        return [], str(exc)
    except (ModelUnavailableError, EmbeddingError) as exc:
        return [], str(exc)


def _result(ls: VesperaServer, host: VaultHost, found: list[RelatedNote], why: str) -> Any:
    result = RelatedResult(
        items=[_item(ls, host, n) for n in found], state=host.semantic.state, message=why
    )
    return msgspec.to_builtins(result)


def _selection(text: str, span: dict[str, Any]) -> str:
    """The text of an LSP range (UTF-16 columns) of ``text``."""
    lines = text.split("\n")

    def offset(position: Any) -> int:
        line, character = int(position["line"]), int(position["character"])
        before = sum(len(x) + 1 for x in lines[:line])
        return before + utf16_to_index(lines[line] if line < len(lines) else "", character)

    try:
        return text[offset(span["start"]) : offset(span["end"])]
    except (KeyError, TypeError, ValueError) as exc:
        raise JsonRpcInvalidParams(f"Invalid range: {exc}") from None


async def related_lenses(ls: VesperaServer, host: VaultHost, path: str) -> list[lsp.CodeLens]:
    """The "Related: A · B · C" lens of a note, or one saying why there is none yet."""
    top = lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
    target = {"vault": host.uri, "path": path}
    if not host.semantic.ready:
        if host.semantic.state == "off":  # switched off here or on this machine: no lens
            return []
        title = (
            f"Related notes: unavailable ({host.semantic.unavailable_because})"
            if host.semantic.state == "unavailable"
            else "Related notes: loading the model…"
        )
        return [lsp.CodeLens(top, lsp.Command(title, RELATED_MORE_COMMAND, arguments=[target]))]
    from vespera.semantic.related import RelatedQuery

    found, why = await related_to(host, RelatedQuery(path=path, limit=LENS_ENTRIES + 1))
    if not found:
        title = "Related: waiting to be embedded" if why else "Related: none yet"
        return [lsp.CodeLens(top, lsp.Command(title, RELATED_MORE_COMMAND, arguments=[target]))]
    lenses = []
    for n, note in enumerate(found[:LENS_ENTRIES]):
        title = f"Related: {note.title}" if n == 0 else note.title
        arguments = [{"uri": ls.uri_of(host, note.path)}]
        lenses.append(
            lsp.CodeLens(
                top,
                lsp.Command(
                    title, OPEN_NOTE_COMMAND, tooltip="; ".join(note.reasons), arguments=arguments
                ),
            )
        )
    lenses.append(lsp.CodeLens(top, lsp.Command("more…", RELATED_MORE_COMMAND, arguments=[target])))
    return lenses


def register(server: VesperaServer) -> None:
    """Wire the related-notes and search requests, status, pause and the lens commands."""

    @server.feature(RELATED)
    async def related_request(ls: VesperaServer, raw: Any) -> Any:
        """Notes related to a note, a selection of it, or free text, scored with reasons."""
        params = params_of(raw, RelatedParams)
        host, path = _note_of(ls, params)
        text = params.text
        if params.range is not None:
            if path is None:
                raise JsonRpcInvalidParams("A range needs the note it is in ('uri' or 'path').")
            doc = await host.document_of(path)
            text = _selection(doc.text if doc else "", params.range)
        if path is None and not (text and text.strip()):
            raise JsonRpcInvalidParams("Name a note ('uri' or 'path') or give 'text'.")
        found, why = await related_to(host, _query(params, params.limit, path, text))
        return _result(ls, host, found, why)

    @server.feature(SEARCH)
    async def search_request(ls: VesperaServer, raw: Any) -> Any:
        """Notes whose meaning is nearest a free text."""
        params = params_of(raw, SearchParams)
        if not params.text.strip():
            raise JsonRpcInvalidParams("Nothing to search for: 'text' is empty.")
        host = host_of(ls, params.vault)
        found, why = await related_to(host, _query(params, params.limit, None, params.text))
        return _result(ls, host, found, why)

    @server.feature(SEMANTIC_STATUS)
    async def status_request(ls: VesperaServer, raw: Any) -> Any:
        """How the vault's embeddings stand."""
        params = params_of(raw, SemanticStatusParams)
        return msgspec.to_builtins(await host_of(ls, params.vault).semantic.status())

    @server.feature(SEMANTIC_SET_PAUSED)
    async def set_paused(ls: VesperaServer, raw: Any) -> Any:
        """Pause or resume embedding a vault."""
        params = params_of(raw, SetPausedParams)
        host = host_of(ls, params.vault)
        host.semantic.set_paused(params.paused)
        return msgspec.to_builtins(await host.semantic.status())

    @server.command(SEMANTIC_PAUSE_COMMAND)
    def pause_command(ls: VesperaServer, *args: Any) -> None:
        """Pause embedding every vault."""
        for host in ls.vaults:
            host.semantic.set_paused(True)

    @server.command(SEMANTIC_RESUME_COMMAND)
    def resume_command(ls: VesperaServer, *args: Any) -> None:
        """Resume embedding every vault (and try the model again where there was none)."""
        for host in ls.vaults:
            host.semantic.set_paused(False)
            host.start_semantic()

    @server.command(OPEN_NOTE_COMMAND)
    async def open_note(ls: VesperaServer, *args: Any) -> bool:
        """Open a note in the editor."""
        target = args[0] if args and isinstance(args[0], dict) else {}
        given = target.get("uri")
        if isinstance(given, str):
            uri = given
        else:
            uri = ls.uri_of(host_of(ls, target.get("vault")), str(target.get("path") or ""))
        shown = await ls.window_show_document_async(
            lsp.ShowDocumentParams(uri=uri, take_focus=True)
        )
        return bool(shown and shown.success)

    @server.command(RELATED_MORE_COMMAND)
    async def more(ls: VesperaServer, *args: Any) -> Any:
        """Offer every related note of a note and open the one the writer picks."""
        from vespera.semantic.related import RelatedQuery

        target = args[0] if args and isinstance(args[0], dict) else {}
        host = host_of(ls, target.get("vault"))
        path = str(target.get("path") or "")
        found, why = await related_to(host, RelatedQuery(path=path, limit=_MORE))
        if not found:
            message = why or "No related notes yet."
            ls.window_show_message(
                lsp.ShowMessageParams(type=lsp.MessageType.Info, message=message)
            )
            return _result(ls, host, found, why)
        titles = {f"{n.title} ({n.score:.2f})": n for n in found}
        choice = await ls.window_show_message_request_async(
            lsp.ShowMessageRequestParams(
                type=lsp.MessageType.Info,
                message=f"Notes related to {path}:",
                actions=[lsp.MessageActionItem(title=t) for t in titles],
            )
        )
        if choice is not None and choice.title in titles:
            uri = ls.uri_of(host, titles[choice.title].path)
            await ls.window_show_document_async(lsp.ShowDocumentParams(uri=uri, take_focus=True))
        return _result(ls, host, found, why)


def _query(filters: RelatedFilters, limit: int, path: str | None, text: str | None) -> RelatedQuery:
    """The domain's query for a request's note or text and filters."""
    from vespera.semantic.related import RelatedQuery

    return RelatedQuery(
        path=path,
        text=text,
        limit=max(1, min(limit, 200)),
        hide_linked=filters.hide_linked and path is not None,
        types=tuple(filters.types),
        tags=tuple(filters.tags),
        folders=tuple(filters.folders),
    )


def _note_of(ls: VesperaServer, params: RelatedParams) -> tuple[VaultHost, str | None]:
    if params.uri is not None:
        found = ls.host_of(params.uri)
        if found is None:
            raise JsonRpcInvalidParams(f"{params.uri} is not in a vault this server serves.")
        host, path = found
        if host.session is None:
            host = host_of(ls, host.uri)  # raises the usual "not open yet" error
        if not is_note_path(path):
            raise JsonRpcInvalidParams(f"{path} is not a note.")
        return host, path
    host = host_of(ls, params.vault)
    if params.path is not None:
        file = uri_to_path(params.path) if params.path.startswith("file:") else None
        return host, (host.path_of(file) if file is not None else params.path)
    return host, None
