"""The language server subclass: the vaults it serves, its settings, and what it sends."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sys
import threading
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import msgspec
from lsprotocol import types as lsp
from pygls.exceptions import (
    FeatureNotificationError,
    FeatureRequestError,
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcParseError,
)
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    LanguageServerProtocol,
    lsp_method,
)

from vespera import __version__
from vespera.editor.document import EditorDocument
from vespera.editor.findings import Finding
from vespera.events.bus import EventBus
from vespera.lsp.convert import path_to_uri, to_diagnostic, uri_to_path
from vespera.lsp.settings import ServerSettings
from vespera.lsp.stdio import serve
from vespera.lsp.vault_host import VaultHost
from vespera_protocol.messages import MESSAGES, STATUS, STATUS_CAPABILITY, StatusParams

log = logging.getLogger(__name__)


class Progress:
    """One ``$/progress`` sequence; does nothing when the client does not show progress."""

    def __init__(self, server: VesperaServer | None, token: str, title: str) -> None:
        self._server = server
        self._token = token
        if server is not None:
            server.work_done_progress.begin(
                token, lsp.WorkDoneProgressBegin(title=title, percentage=0, cancellable=False)
            )

    def report(self, phase: str, done: int, total: int) -> None:
        """Say how far the work is."""
        if self._server is None:
            return
        percentage = int(done * 100 / total) if total else None
        message = f"{phase} {done}/{total}" if total else phase
        self._server.work_done_progress.report(
            self._token, lsp.WorkDoneProgressReport(message=message, percentage=percentage)
        )

    def end(self, message: str) -> None:
        """Say the work is over."""
        if self._server is not None:
            self._server.work_done_progress.end(
                self._token, lsp.WorkDoneProgressEnd(message=message)
            )


class _Answered:
    """Stands for a message already answered with an error: the protocol skips it."""

    jsonrpc = "answered"


class VesperaProtocol(LanguageServerProtocol):
    """Answers requests whose params do not fit their method with an error for their id, and
    ends the session on ``exit`` through the read loop.

    The stock protocol fails such a message before reading its id, so the client never hears
    back and waits for ever.
    """

    _exited: asyncio.Event | None = None
    exit_code = 0
    """What the process returns: 1 when the client sent ``exit`` without ``shutdown``."""

    @lsp_method(lsp.INITIALIZE)
    def lsp_initialize(self, params: lsp.InitializeParams) -> Generator[Any, Any, Any]:
        """Speak UTF-16 columns whatever else the client offers: every range Vespera computes
        counts UTF-16 code units, which every client must support."""
        general = params.capabilities.general
        if general is not None and general.position_encodings:
            general.position_encodings = [
                e for e in general.position_encodings if e == lsp.PositionEncodingKind.Utf16
            ] or None
        return (yield from super().lsp_initialize(params))

    @lsp_method(lsp.EXIT)
    def lsp_exit(self, *args: Any) -> Generator[Any, Any, None]:
        """End the session by ending the read loop, not by raising ``SystemExit`` in it.

        The stock handler exits from inside an event loop callback. When that lands in the
        same turn of the loop as the end of input, ``asyncio.run`` is left with a stale stop
        request and fails while closing the loop (the process exits 1 after a clean session).
        """
        if (handler := self.fm.features.get(lsp.EXIT)) is not None:
            yield handler, args, None
        self.exit_code = 0 if self._shutdown else 1
        self.exited.set()

    @property
    def exited(self) -> asyncio.Event:
        """Set once the client sent ``exit``: the read loop ends."""
        if self._exited is None:
            self._exited = asyncio.Event()
        return self._exited

    def structure_message(self, data: dict[str, Any]) -> Any:
        method = data.get("method") if isinstance(data, dict) else None
        if method in MESSAGES and "result" not in data and "error" not in data:
            # Vespera's own messages keep their params as JSON: the stock converter would turn
            # them into named tuples, renaming keys that are not identifiers. Each handler
            # checks them against its msgspec type.
            if "id" in data:
                return JsonRPCRequestMessage(
                    id=data["id"],
                    method=method,
                    jsonrpc=data.get("jsonrpc", ""),
                    params=data.get("params"),
                )
            return JsonRPCNotification(
                method=method, jsonrpc=data.get("jsonrpc", ""), params=data.get("params")
            )
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "id" in data and "method" in data:
                error = JsonRpcInvalidParams(
                    f"Invalid params for {data['method']}: {exc.__cause__ or exc}"
                )
                self._send_response(data["id"], None, error.to_response_error())
                return _Answered()
            raise


class VesperaServer(LanguageServer):
    """Vespera's language server: one process, one or more vaults (workspace folders)."""

    def __init__(self, state_dir: Path | None = None, fallback_root: Path | None = None) -> None:
        super().__init__(
            "vespera",
            __version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
            protocol_cls=VesperaProtocol,
        )
        self.state_dir = state_dir
        self.fallback_root = fallback_root
        self.settings = ServerSettings()
        self.vaults: list[VaultHost] = []
        self._tokens = itertools.count(1)
        self._told: set[str] = set()
        # Set once the client accepted to report file changes; otherwise each vault watches
        # its own folder.
        self.files_watched = False
        # Clients that pull diagnostics (textDocument/diagnostic and workspace/diagnostic) get
        # no pushed ones: both at once would show each finding twice.
        self.pull_diagnostics = False
        self._refresh_pending = False
        # Event subscriptions of the client, by id: the bus of the vault each one reads.
        self.subscriptions: dict[str, EventBus] = {}
        # Closing the vaults, once ``shutdown`` started it (``exit`` waits for it).
        self.closing: asyncio.Future[None] | None = None

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> int:
        """Serve on stdin/stdout until the client exits; stdin is read by the event loop.

        Returns the process's exit code: 1 when the client exited without ``shutdown``.
        """
        self._stop_event = stop = threading.Event()
        protocol = self.protocol
        assert isinstance(protocol, VesperaProtocol)
        protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(
                serve(
                    stop,
                    stdin or sys.stdin.buffer,
                    lambda: self.thread_pool,
                    protocol,
                    self.report_server_error,
                    protocol.exited,
                )
            )
        except BrokenPipeError:
            log.error("The connection to the client is lost; shutting down")
        except KeyboardInterrupt:
            pass
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]  # unannotated in pygls
        return protocol.exit_code

    # -- what the client can do ------------------------------------------------------------

    @property
    def wants_status(self) -> bool:
        """Whether the client opted in to ``vespera/status``."""
        return self.opted_in(STATUS_CAPABILITY)

    def opted_in(self, capability: str) -> bool:
        """Whether the client set ``capabilities.experimental.vespera.<capability>``."""
        experimental = self.client_capabilities.experimental
        if not isinstance(experimental, dict):
            return False
        vespera = experimental.get("vespera")
        return isinstance(vespera, dict) and bool(vespera.get(capability))

    @property
    def client_watches_files(self) -> bool:
        """Whether the client will report file changes (``workspace/didChangeWatchedFiles``)."""
        workspace = self.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        return bool(watched and watched.dynamic_registration)

    @property
    def versioned_edits(self) -> bool:
        """Whether workspace edits may carry document versions (``documentChanges``)."""
        workspace = self.client_capabilities.workspace
        edit = workspace.workspace_edit if workspace else None
        return bool(edit and edit.document_changes)

    # -- vaults ----------------------------------------------------------------------------

    def add_vaults(self, folders: Sequence[tuple[str, Path]]) -> list[VaultHost]:
        """Serve each (uri, folder) as a vault; the explicit state folder only when there is one."""
        state_dir = self.state_dir if len(folders) + len(self.vaults) == 1 else None
        if self.state_dir is not None and state_dir is None:
            log.warning("--state-dir applies to a single vault; each of these uses its own")
        hosts = [VaultHost(self, uri, root, state_dir) for uri, root in folders]
        self.vaults.extend(hosts)
        return hosts

    def host_of(self, uri: str) -> tuple[VaultHost, str] | None:
        """The vault holding the document at ``uri`` and its path in it, if any."""
        file = uri_to_path(uri)
        if file is None:
            return None
        best: tuple[VaultHost, str] | None = None
        for host in self.vaults:
            path = host.path_of(file)
            if path is not None and (best is None or len(str(host.root)) > len(str(best[0].root))):
                best = (host, path)
        return best

    def document(self, uri: str) -> tuple[VaultHost, EditorDocument]:
        """The open document at ``uri`` and its vault; a request error if there is none."""
        for host in self.vaults:  # the usual case, without touching the file system
            path = host.open_paths.get(uri)
            if path is not None and path in host.documents:
                return host, host.documents[path]
        found = self.host_of(uri)
        if found is None:
            raise JsonRpcInvalidParams(f"{uri} is not inside a vault this server serves.")
        host, path = found
        doc = host.documents.get(path)
        if doc is None:
            raise JsonRpcInvalidParams(f"{uri} is not open; open it before asking about it.")
        return host, doc

    def uri_of(self, host: VaultHost, path: str) -> str:
        """The URI of a vault-relative path, as the editor names it.

        An open note keeps the URI the editor opened it with; others are named under the
        folder as the editor sent it (which may reach the vault through a symbolic link).
        """
        return host.uris.get(path) or path_to_uri(host.client_root / path)

    # -- what the server sends ---------------------------------------------------------------

    def text_edits(
        self, documents: Sequence[tuple[str, int | None, list[lsp.TextEdit]]]
    ) -> lsp.WorkspaceEdit:
        """Edits of documents (URI, version the edits were made against, edits) as one
        workspace edit; versioned (so a stale document is refused) when the client can."""
        if self.versioned_edits:
            return lsp.WorkspaceEdit(
                document_changes=[
                    lsp.TextDocumentEdit(
                        text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                            uri=uri, version=version
                        ),
                        edits=list(edits),
                    )
                    for uri, version, edits in documents
                ]
            )
        return lsp.WorkspaceEdit(changes={uri: list(edits) for uri, _, edits in documents})

    def publish(
        self, host: VaultHost, path: str, version: int | None, findings: list[Finding]
    ) -> None:
        """Publish a note's diagnostics."""
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(
                uri=self.uri_of(host, path),
                diagnostics=[to_diagnostic(f) for f in findings],
                version=version,
            )
        )

    def refresh_diagnostics(self) -> None:
        """Ask a pulling client to pull again (coalesced: one request at a time)."""
        workspace = self.client_capabilities.workspace
        diagnostics = workspace.diagnostics if workspace else None
        if not (diagnostics and diagnostics.refresh_support) or self._refresh_pending:
            return
        self._refresh_pending = True

        def done(*_: Any) -> None:
            self._refresh_pending = False

        self.workspace_diagnostic_refresh(None).add_done_callback(done)

    def send_status(self, status: StatusParams) -> None:
        """Send ``vespera/status`` to a client that asked for it."""
        if self.wants_status:
            self.protocol.notify(STATUS, msgspec.to_builtins(status))

    def refresh_code_lenses(self) -> None:
        """Ask the client to fetch code lenses again, if it can be asked."""
        workspace = self.client_capabilities.workspace
        lens = workspace.code_lens if workspace else None
        if lens and lens.refresh_support:
            self.workspace_code_lens_refresh(None)

    def tell_user(self, message: str, warning: bool = False) -> None:
        """Show one short sentence to the user, once per distinct message."""
        if message in self._told:
            return
        self._told.add(message)
        kind = lsp.MessageType.Warning if warning else lsp.MessageType.Error
        self.window_show_message(lsp.ShowMessageParams(type=kind, message=message))

    async def progress_begin(self, title: str) -> Progress:
        """Start a ``$/progress`` sequence if the client shows them."""
        window = self.client_capabilities.window
        if not (window and window.work_done_progress):
            return Progress(None, "", title)
        token = f"vespera-{next(self._tokens)}"
        try:
            await self.work_done_progress.create_async(token)
        except Exception:  # a client that refuses the token just sees no progress
            log.debug("The client refused progress token %s", token, exc_info=True)
            return Progress(None, "", title)
        return Progress(self, token, title)

    async def remove_vault(self, uri: str) -> None:
        """Stop serving the workspace folder at ``uri``."""
        for host in [h for h in self.vaults if h.uri == uri]:
            self.vaults.remove(host)
            await host.close()

    async def close_vaults(self) -> None:
        """Close every vault's stores."""
        hosts, self.vaults = self.vaults, []
        await asyncio.gather(*(h.close() for h in hosts), return_exceptions=True)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Errors outside any request: bad JSON gets a parse error; the rest is logged."""
        if isinstance(error, json.JSONDecodeError):
            self.protocol._send_response(
                None,  # type: ignore[arg-type]
                None,
                JsonRpcParseError(f"Not valid JSON: {error}").to_response_error(),
            )
            return
        log.error("Internal error (%s): %s", getattr(source, "__name__", source), error)
        if source in (FeatureRequestError, FeatureNotificationError) and not isinstance(
            error, JsonRpcException
        ):
            # A bug, not bad input: one sentence for the user (once), the traceback is logged.
            self.tell_user(
                f"Vespera hit an unexpected error ({type(error).__name__}); the details are in "
                "its log. Other features go on working."
            )
