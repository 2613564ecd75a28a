"""A scripted editor for the language-server tests, on top of the pytest-lsp client."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from vespera.store.state import DATA_DIR_ENV
from vespera_protocol.messages import AUTOMATION_RESULT, EVENT, STATUS

# A safety net against a hung server; every wait ends as soon as its notification arrives.
PATIENCE = 60.0
SERVE = [sys.executable, "-m", "vespera", "serve"]


def server_env(data_dir: Path) -> dict[str, str]:
    """This process's environment, with the server's data folder at ``data_dir``."""
    return {**os.environ, DATA_DIR_ENV: str(data_dir)}


class Editor:
    """One client session: documents it has open, notifications it has seen."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.statuses: list[Any] = []
        self.registrations: list[lsp.Registration] = []
        self.initialized: lsp.InitializeResult | None = None
        self.root = Path()
        self._versions: dict[str, int] = {}
        self._changed = asyncio.Condition()
        # ``vespera/event`` notifications, as JSON objects, in the order they arrived.
        self.events: list[dict[str, Any]] = []
        # ``vespera/automationResult`` notifications, in order.
        self.results: list[dict[str, Any]] = []
        # The text of each open note, as this editor holds it (automation edits included).
        self.texts: dict[str, str] = {}
        # Called when the server asks to apply an edit, before the editor applies it: a test
        # can type there, as a writer might while a rule runs.
        self.before_apply: Callable[[], None] | None = None
        self.applied_edits = 0
        self.refused_edits = 0
        # ``window/showMessageRequest`` questions, and the title to answer each with.
        self.questions: list[lsp.ShowMessageRequestParams] = []
        self.lens_refreshes = 0
        # What the editor answers ``workspace/configuration`` with (the ``vespera`` section).
        self.settings: dict[str, Any] | None = None
        self.answer: Callable[[list[str]], str | None] = lambda titles: titles[0]

    @classmethod
    async def start(cls, command: Sequence[str], env: dict[str, str]) -> Editor:
        """Start the server process and connect to it."""
        client = LanguageClient(converter_factory=default_converter)
        editor = cls(client)

        async def on_status(_: LanguageClient, params: Any) -> None:
            editor.statuses.append(params)
            await editor._notify()

        async def on_diagnostics(_: LanguageClient, params: lsp.PublishDiagnosticsParams) -> None:
            client.diagnostics[params.uri] = params.diagnostics
            await editor._notify()

        def on_register(_: LanguageClient, params: lsp.RegistrationParams) -> None:
            editor.registrations.extend(params.registrations)

        async def on_event(_: LanguageClient, params: Any) -> None:
            editor.events.append(as_json(params))
            await editor._notify()

        async def on_result(_: LanguageClient, params: Any) -> None:
            editor.results.append(as_json(params))
            await editor._notify()

        async def on_message(_: LanguageClient, params: lsp.ShowMessageParams) -> None:
            client.messages.append(params)  # where the client keeps them by default
            await editor._notify()

        def on_apply(
            _: LanguageClient, params: lsp.ApplyWorkspaceEditParams
        ) -> lsp.ApplyWorkspaceEditResult:
            return editor._apply(params.edit)

        def on_question(
            _: LanguageClient, params: lsp.ShowMessageRequestParams
        ) -> lsp.MessageActionItem | None:
            editor.questions.append(params)
            title = editor.answer([a.title for a in params.actions or []])
            return None if title is None else lsp.MessageActionItem(title=title)

        async def on_lens_refresh(_: LanguageClient, params: None) -> None:
            editor.lens_refreshes += 1
            await editor._notify()

        def on_configuration(_: LanguageClient, params: lsp.ConfigurationParams) -> list[Any]:
            return [editor.settings for _ in params.items]

        features = {
            lsp.CLIENT_REGISTER_CAPABILITY: on_register,
            **DEFAULT_CLIENT_FEATURES,
            STATUS: on_status,
            EVENT: on_event,
            AUTOMATION_RESULT: on_result,
            lsp.WINDOW_SHOW_MESSAGE: on_message,
            lsp.WORKSPACE_APPLY_EDIT: on_apply,
            lsp.WINDOW_SHOW_MESSAGE_REQUEST: on_question,
            lsp.WORKSPACE_CODE_LENS_REFRESH: on_lens_refresh,
            lsp.WORKSPACE_CONFIGURATION: on_configuration,
            lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: on_diagnostics,
        }
        register_lsp_features(client, features)

        await client.start_io(*command, env=env)
        return editor

    @classmethod
    async def serve(cls, data_dir: Path) -> Editor:
        """Start ``vespera serve`` keeping its indexes under ``data_dir``."""
        return await cls.start(SERVE, server_env(data_dir))

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, check: Callable[[], Any], what: str) -> Any:
        """Wait until ``check()`` returns something true (re-checked on each notification)."""
        async with self._changed:
            try:
                async with asyncio.timeout(PATIENCE):
                    while not (result := check()):
                        await self._changed.wait()
            except TimeoutError:
                raise AssertionError(f"timed out waiting for {what}") from None
        return result

    async def initialize(
        self, capabilities: lsp.ClientCapabilities, root: Path, options: Any = None
    ) -> None:
        """``initialize`` with ``root`` as the one workspace folder (and settings ``options``).

        Semantic features stay off unless ``options`` switch them on: loading the model in
        every test's server would double the suite's time, and the semantic tests turn it on.
        """
        self.root = root
        if options is None:
            options = {"semantic": False}
        elif isinstance(options, dict) and "semantic" not in options:
            options = {**options, "semantic": False}
        self.initialized = await self.client.initialize_session(
            lsp.InitializeParams(
                capabilities=capabilities,
                process_id=None,
                root_uri=root.as_uri(),
                workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
                initialization_options=options,
            )
        )

    async def wait_ready(self) -> None:
        """Wait for the vault's ``ready`` status."""
        await self.wait_for(lambda: any(s.state == "ready" for s in self.statuses), "ready")

    async def close(self) -> None:
        """Shut the session down and stop the server."""
        try:
            await self.client.shutdown_session()
        finally:
            await self.client.stop()  # type: ignore[no-untyped-call]

    # -- documents ------------------------------------------------------------------------

    def uri(self, path: str) -> str:
        """The URI of a vault-relative path."""
        return (self.root / path).as_uri()

    def open(self, path: str, text: str | None = None) -> str:
        """Open a note (its text on disk unless given); returns its URI."""
        uri = self.uri(path)
        if text is None:
            text = (self.root / path).read_text(encoding="utf-8")
        self._versions[uri] = 1
        self.texts[uri] = text
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                lsp.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=text)
            )
        )
        return uri

    def replace_all(self, path: str, text: str) -> None:
        """Send a whole new text for an open note."""
        self._replace(self.uri(path), text)

    def _replace(self, uri: str, text: str) -> None:
        self._versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(
                    uri=uri, version=self._versions[uri]
                ),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def insert(self, path: str, line: int, character: int, text: str) -> None:
        """Type ``text`` at a position (an incremental change)."""
        uri = self.uri(path)
        self._versions[uri] += 1
        at = lsp.Position(line, character)
        if uri in self.texts:
            offset = _offset(self.texts[uri], at)
            self.texts[uri] = self.texts[uri][:offset] + text + self.texts[uri][offset:]
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(
                    uri=uri, version=self._versions[uri]
                ),
                content_changes=[
                    lsp.TextDocumentContentChangePartial(range=lsp.Range(at, at), text=text)
                ],
            )
        )

    def text(self, path: str) -> str:
        """The text of an open note as this editor holds it."""
        return self.texts[self.uri(path)]

    def _apply(self, edit: lsp.WorkspaceEdit) -> lsp.ApplyWorkspaceEditResult:
        """Apply a workspace edit as an editor does: refused if a document moved on."""
        if self.before_apply is not None:
            hook, self.before_apply = self.before_apply, None
            hook()
        changes: list[tuple[str, int | None, Sequence[Any]]] = []
        for doc_edit in edit.document_changes or []:
            assert isinstance(doc_edit, lsp.TextDocumentEdit)
            changes.append(
                (doc_edit.text_document.uri, doc_edit.text_document.version, doc_edit.edits)
            )
        for uri, edits in (edit.changes or {}).items():
            changes.append((uri, None, edits))
        for uri, version, _ in changes:
            if uri not in self.texts or (version is not None and version != self._versions[uri]):
                self.refused_edits += 1
                return lsp.ApplyWorkspaceEditResult(
                    applied=False, failure_reason=f"{uri} is at another version"
                )
        for uri, _, edits in changes:
            text = self.texts[uri]
            spans = sorted(
                (
                    (_offset(text, e.range.start), _offset(text, e.range.end), e.new_text)
                    for e in edits
                ),
                reverse=True,
            )
            for start, end, new_text in spans:
                text = text[:start] + new_text + text[end:]
            self._replace(uri, text)
        self.applied_edits += 1
        return lsp.ApplyWorkspaceEditResult(applied=True)

    def save(self, path: str) -> None:
        """``textDocument/didSave`` for an open note."""
        self.client.text_document_did_save(
            lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(self.uri(path)))
        )

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        """A custom request; its result as plain JSON values."""
        send = self.client.protocol.send_request_async
        return as_json(await send(method, params))  # type: ignore[no-untyped-call]

    def version(self, path: str) -> int:
        """The version of an open note as this editor last sent it."""
        return self._versions[self.uri(path)]

    async def diagnostics(
        self, path: str, check: Callable[[Sequence[lsp.Diagnostic]], bool] = lambda d: True
    ) -> Sequence[lsp.Diagnostic]:
        """Wait for published diagnostics of ``path`` that satisfy ``check``."""
        uri = self.uri(path)

        def published() -> Sequence[lsp.Diagnostic] | None:
            found = self.client.diagnostics.get(uri)
            return found if found is not None and check(found) else None

        def boxed() -> tuple[Sequence[lsp.Diagnostic]] | None:
            found = published()
            return None if found is None else (found,)  # a tuple is true even when empty

        box: tuple[Sequence[lsp.Diagnostic]] = await self.wait_for(boxed, f"diagnostics of {path}")
        return box[0]

    # -- requests -------------------------------------------------------------------------

    async def complete(self, path: str, line: int, character: int) -> lsp.CompletionList | None:
        """``textDocument/completion`` at a position."""
        result = await self.client.text_document_completion_async(
            lsp.CompletionParams(
                text_document=lsp.TextDocumentIdentifier(self.uri(path)),
                position=lsp.Position(line, character),
            )
        )
        assert result is None or isinstance(result, lsp.CompletionList)
        return result


def as_json(value: Any) -> Any:
    """A message's params or result as plain JSON values (the client library may wrap them)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return [as_json(v) for v in value]
    if hasattr(value, "_asdict"):
        return {k: as_json(v) for k, v in value._asdict().items()}
    return as_json(vars(value))


def _offset(text: str, at: lsp.Position) -> int:
    """The string offset of an LSP position (the tests' texts are in the BMP)."""
    lines = text.splitlines(keepends=True)
    return sum(len(line) for line in lines[: at.line]) + at.character
