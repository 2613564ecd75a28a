"""Initialisation, shutdown, document sync, file events and settings.

``initialize`` takes the workspace folders as vaults; ``initialized`` opens their stores and
indexes them in the background, so the first requests are answered at once from open notes.
Notifications change the server's state; requests only read it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from vespera.editor.document import index_to_utf16
from vespera.lsp.automation_host import minimal_edit
from vespera.lsp.convert import uri_to_path
from vespera.lsp.features import pull_diagnostics
from vespera.lsp.server import VesperaServer
from vespera.lsp.settings import SECTION, automation_held, read_settings
from vespera.vault.walk import is_note_path
from vespera_protocol.messages import REINDEX_COMMAND

log = logging.getLogger(__name__)
_EXIT_WAIT = 30.0
"""Seconds ``exit`` waits for a shutdown under way (closing the stores, finishing runs)."""


def register(server: VesperaServer) -> None:
    """Wire the life-cycle handlers."""

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: VesperaServer, params: lsp.InitializeParams) -> None:
        """Take settings from ``initializationOptions`` and the workspace folders as vaults."""
        _apply_settings(ls, params.initialization_options)
        if pull_diagnostics.supported(params.capabilities):
            # Registered here, before the capabilities are computed, so only such clients see it.
            pull_diagnostics.register(ls)
            ls.pull_diagnostics = True
        folders: list[tuple[str, Path]] = []
        for folder in params.workspace_folders or []:
            path = uri_to_path(folder.uri)
            if path is not None:
                folders.append((folder.uri, path))
        if not folders and params.root_uri and (root := uri_to_path(params.root_uri)):
            folders.append((params.root_uri, root))
        if not folders and ls.fallback_root is not None:
            folders.append((ls.fallback_root.resolve().as_uri(), ls.fallback_root))
        ls.add_vaults(folders)

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: VesperaServer, params: lsp.InitializedParams) -> None:
        """Ask for file events and settings, then open and index every vault."""
        if ls.client_watches_files:
            ls.files_watched = await _watch_files(ls)
        await _pull_settings(ls)
        for host in ls.vaults:
            host.launch()

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: VesperaServer, params: None) -> None:
        """Start closing the stores and answer at once; ``exit`` waits for them to be closed.

        The answer does not wait: while an answer is pending, messages that arrive meanwhile
        (an ``exit`` sent without waiting) can make the protocol layer drop it.
        """
        if ls.closing is None:
            ls.closing = asyncio.ensure_future(ls.close_vaults())

    @server.feature(lsp.EXIT)
    async def exit_(ls: VesperaServer, params: None) -> None:
        """End the process only once the stores are closed and consistent."""
        if ls.closing is not None:
            await asyncio.wait({ls.closing}, timeout=_EXIT_WAIT)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: VesperaServer, params: lsp.DidOpenTextDocumentParams) -> None:
        """A note opened: its text stands for it."""
        found = ls.host_of(params.text_document.uri)
        if found is None:
            log.debug("Ignoring %s: outside every vault", params.text_document.uri)
            return
        host, path = found
        document = params.text_document
        host.open_document(path, document.text, document.version, document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: VesperaServer, params: lsp.DidChangeTextDocumentParams) -> None:
        """A note changed in the editor (pygls has applied the changes to its copy)."""
        found = ls.host_of(params.text_document.uri)
        if found is None:
            return
        host, path = found
        document = ls.workspace.get_text_document(params.text_document.uri)
        end = edit_end(params.content_changes[-1]) if params.content_changes else None
        host.change_document(path, document.source, params.text_document.version, end)

    @server.feature(lsp.TEXT_DOCUMENT_WILL_SAVE_WAIT_UNTIL)
    async def will_save_wait_until(
        ls: VesperaServer, params: lsp.WillSaveTextDocumentParams
    ) -> list[lsp.TextEdit] | None:
        """A note is being saved: the edits of the ``will_save`` pre-hooks go into the save."""
        found = ls.host_of(params.text_document.uri)
        if found is None or automation_held(ls.settings) is not None:
            return None
        host, path = found
        if host.automation is None or not is_note_path(path) or path not in host.documents:
            return None
        changed = await host.automation.will_save(path)
        if changed is None:
            return None
        where, text = minimal_edit(*changed)
        return [lsp.TextEdit(range=where, new_text=text)]

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: VesperaServer, params: lsp.DidSaveTextDocumentParams) -> None:
        """A note was saved: the changes made since its last events become events."""
        found = ls.host_of(params.text_document.uri)
        if found is not None:
            found[0].save_document(found[1])

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: VesperaServer, params: lsp.DidCloseTextDocumentParams) -> None:
        """A note closed: the file on disk stands for it again."""
        found = ls.host_of(params.text_document.uri)
        if found is not None:
            found[0].close_document(found[1])

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(
        ls: VesperaServer, params: lsp.DidChangeWatchedFilesParams
    ) -> None:
        """Files changed on disk: re-index them (open notes keep the editor's text)."""
        by_host: dict[Any, list[str]] = defaultdict(list)
        for change in params.changes:
            found = ls.host_of(change.uri)
            if found is not None:
                by_host[found[0]].append(found[1])
        for host, paths in by_host.items():
            host.files_changed(sorted(set(paths)))

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def did_change_workspace_folders(
        ls: VesperaServer, params: lsp.DidChangeWorkspaceFoldersParams
    ) -> None:
        """Folders added to the workspace become vaults; removed ones are closed."""
        for folder in params.event.removed:
            await ls.remove_vault(folder.uri)
        added = [(f.uri, p) for f in params.event.added if (p := uri_to_path(f.uri)) is not None]
        for host in ls.add_vaults(added):
            host.launch()

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: VesperaServer, params: lsp.DidChangeConfigurationParams
    ) -> None:
        """Settings changed: pull them when the client can answer, else take what was sent."""
        if not await _pull_settings(ls):
            _apply_settings(ls, params.settings)
        for host in ls.vaults:
            for path in host.documents:
                host.schedule_diagnostics(path, 0)

    @server.command(REINDEX_COMMAND)
    async def reindex(ls: VesperaServer, *args: Any) -> None:
        """``vespera.reindex``: read every note of every vault again, with progress."""
        await asyncio.gather(*(host.reindex() for host in ls.vaults))


def edit_end(change: lsp.TextDocumentContentChangeEvent) -> tuple[int, int] | None:
    """Where the text of an incremental change ends in the new text (line, UTF-16 column)."""
    if not isinstance(change, lsp.TextDocumentContentChangePartial):
        return None
    start = change.range.start
    lines = change.text.split("\n")
    last = index_to_utf16(lines[-1], len(lines[-1]))
    if len(lines) == 1:
        return start.line, start.character + last
    return start.line + len(lines) - 1, last


def _apply_settings(ls: VesperaServer, raw: Any) -> None:
    settings, problem = read_settings(raw, ls.settings)
    ls.settings = settings
    if problem:
        ls.tell_user(problem, warning=True)
    for host in ls.vaults:
        host.apply_hold()  # trusted or switched on while serving: the next events run
        host.start_semantic()  # switched on (or trusted) while serving


async def _pull_settings(ls: VesperaServer) -> bool:
    workspace = ls.client_capabilities.workspace
    if not (workspace and workspace.configuration):
        return False
    try:
        answer = await ls.workspace_configuration_async(
            lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section=SECTION)])
        )
    except Exception:
        log.debug("The client did not answer workspace/configuration", exc_info=True)
        return False
    if answer:
        _apply_settings(ls, answer[0])
    return True


async def _watch_files(ls: VesperaServer) -> bool:
    options = lsp.DidChangeWatchedFilesRegistrationOptions(
        watchers=[
            lsp.FileSystemWatcher(glob_pattern="**/*.md"),
            lsp.FileSystemWatcher(glob_pattern="**/.vespera/config.yaml"),
            lsp.FileSystemWatcher(glob_pattern="**/.vespera/types/*.{yaml,yml}"),
            lsp.FileSystemWatcher(glob_pattern="**/.vespera/rules/**/*.{yaml,yml}"),
        ]
    )
    try:
        await ls.client_register_capability_async(
            lsp.RegistrationParams(
                registrations=[
                    lsp.Registration(
                        id="vespera-watched-files",
                        method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=options,
                    )
                ]
            )
        )
    except Exception:
        log.info("The editor did not take the file watchers; Vespera watches the vault itself")
        return False
    return True
