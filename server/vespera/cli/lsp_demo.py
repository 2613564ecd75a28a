"""``vespera lsp-demo``: a scripted editor session against ``vespera serve``, printed as it goes.

It starts the language server as an editor would (a child process on stdio), opens notes of the
vault, asks for completions, and prints what the server answers and publishes, so a new user
sees the sidecar working without configuring an editor.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient
from rich.console import Console

from vespera_protocol.messages import SEARCH, STATUS

PATIENCE = 120.0  # seconds; the demo vault is ready in about one


def _on(client: LanguageClient, method: str, handler: Callable[..., Any]) -> None:
    """Handle a server-to-client message (the client's decorator is untyped)."""
    cast(Any, client).feature(method)(handler)


class _Session:
    """The client side: what the server sent so far, and a way to wait for more."""

    def __init__(self, out: Console) -> None:
        self.out = out
        self.client = LanguageClient("vespera-demo", "1")
        self.ready = asyncio.Event()
        self.diagnostics: dict[str, list[lsp.Diagnostic]] = {}
        self.changed = asyncio.Event()
        self.embedded = asyncio.Event()
        self.semantic = "off"

        def on_status(params: Any) -> None:
            if params.state == "ready":
                self.ready.set()
            self.semantic = getattr(params, "semantic", "off")
            if self.semantic in ("ready", "unavailable"):
                self.embedded.set()

        def on_diagnostics(params: lsp.PublishDiagnosticsParams) -> None:
            self.diagnostics[params.uri] = list(params.diagnostics)
            self.changed.set()

        def on_progress(params: lsp.ProgressParams) -> None:
            return None  # an editor would show a progress bar

        def on_log(params: lsp.LogMessageParams) -> None:
            return None  # an editor would keep these in its output panel

        def on_register(params: lsp.RegistrationParams) -> None:
            return None

        def on_progress_create(params: lsp.WorkDoneProgressCreateParams) -> None:
            return None

        _on(self.client, STATUS, on_status)
        _on(self.client, lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, on_diagnostics)
        _on(self.client, lsp.PROGRESS, on_progress)
        _on(self.client, lsp.WINDOW_LOG_MESSAGE, on_log)
        _on(self.client, lsp.CLIENT_REGISTER_CAPABILITY, on_register)
        _on(self.client, lsp.WINDOW_WORK_DONE_PROGRESS_CREATE, on_progress_create)

    async def diagnostics_of(self, uri: str) -> list[lsp.Diagnostic]:
        """Wait until diagnostics for ``uri`` have been published."""
        async with asyncio.timeout(PATIENCE):
            while uri not in self.diagnostics:
                self.changed.clear()
                await self.changed.wait()
        return self.diagnostics[uri]


async def run_demo(vault: Path) -> int:
    """Play the session on ``vault``; returns the exit status."""
    out = Console(highlight=False)
    root = await asyncio.to_thread(lambda: vault.expanduser().resolve())
    session = _Session(out)
    client = session.client
    out.print(f"[bold]Starting[/] vespera serve for {root}")
    # A state folder of its own: the demo never competes with an editor serving the vault.
    state = await asyncio.to_thread(tempfile.mkdtemp, prefix="vespera-demo-")
    await client.start_io(sys.executable, "-m", "vespera", "serve", "--state-dir", state)
    try:
        capabilities = lsp.ClientCapabilities(
            window=lsp.WindowClientCapabilities(work_done_progress=True),
            experimental={"vespera": {"status": True}},
        )
        result = await client.initialize_async(
            lsp.InitializeParams(
                capabilities=capabilities,
                workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            )
        )
        client.initialized(lsp.InitializedParams())
        info = result.server_info
        out.print(f"[green]←[/] initialize: {info.name if info else 'server'} ready to serve")
        async with asyncio.timeout(PATIENCE):
            await session.ready.wait()
        out.print("[green]←[/] vespera/status: the vault is indexed")
        await _complete_tag(session, root)
        await _complete_link(session, root)
        await _show_diagnostics(session, root)
        await _show_related(session, root)
        await client.shutdown_async(None)
        client.exit(None)
        out.print("[bold]Done[/]: the editor features above are what any LSP editor gets.")
    finally:
        await cast(Any, client).stop()
        await asyncio.to_thread(shutil.rmtree, state, True)
    return 0


def _open(session: _Session, root: Path, path: str, text: str) -> str:
    uri = (root / path).as_uri()
    session.client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=text)
        )
    )
    return uri


async def _complete(session: _Session, uri: str, line: int, character: int) -> list[str]:
    answer = await session.client.text_document_completion_async(
        lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=line, character=character),
        )
    )
    items = answer.items if isinstance(answer, lsp.CompletionList) else answer or []
    ordered = sorted(items, key=lambda i: i.sort_text or i.label)
    return [f"{i.label}  ({i.detail})" if i.detail else i.label for i in ordered]


async def _complete_tag(session: _Session, root: Path) -> None:
    text = "A scene in the making. #mood:"
    uri = _open(session, root, "Scenes/Draft.md", text)
    session.out.print(f"[cyan]→[/] completion after [bold]{text}[/]")
    for label in (await _complete(session, uri, 0, len(text)))[:6]:
        session.out.print(f"    {label}")


async def _complete_link(session: _Session, root: Path) -> None:
    text = '---\ntype: scene\ncharacters: ["[[\n---\n'
    uri = _open(session, root, "Scenes/Cast.md", text)
    session.out.print('[cyan]→[/] completion in [bold]characters: ["[[[/] (a scene field)')
    for label in (await _complete(session, uri, 2, len('characters: ["[[')))[:6]:
        session.out.print(f"    {label}")


async def _show_diagnostics(session: _Session, root: Path) -> None:
    path = "Scenes/Fog at Low Tide.md"
    text = await asyncio.to_thread((root / path).read_text, encoding="utf-8")
    uri = _open(session, root, path, text)
    session.out.print(f"[cyan]→[/] open {path}")
    for d in await session.diagnostics_of(uri):
        where = f"{d.range.start.line + 1}:{d.range.start.character + 1}"
        session.out.print(f"[green]←[/] diagnostic {where} [yellow]{d.code}[/]: {d.message}")


async def _show_related(session: _Session, root: Path) -> None:
    async with asyncio.timeout(PATIENCE):
        await session.embedded.wait()
    if session.semantic != "ready":
        session.out.print("[yellow]←[/] related notes are unavailable (no embedding model)")
        return
    session.out.print("[green]←[/] vespera/status: every note is embedded")
    path = "Scenes/Letters in the Cellar.md"
    lenses = await session.client.text_document_code_lens_async(
        lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=(root / path).as_uri()))
    )
    titles = [lens.command.title for lens in lenses or [] if lens.command]
    session.out.print(f"[cyan]→[/] code lens of {path}")
    session.out.print(f"[green]←[/] {' · '.join(titles)}")
    text = "frightened of the dark"
    found = await session.client.protocol.send_request_async(SEARCH, {"text": text, "limit": 3})
    session.out.print(f"[cyan]→[/] vespera/search [bold]{text}[/]")
    for item in found.items:
        session.out.print(f"    {item.title}  ({item.score:.2f}, {item.reasons[0]})")
