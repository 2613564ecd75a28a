"""Builds the server: registers every LSP method exactly once, and routes logging to the client."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from pathlib import Path

from lsprotocol import types as lsp

from vespera.lsp.features import (
    automation,
    code_actions,
    code_lens,
    completion,
    events,
    file_rename,
    hover,
    lifecycle,
    navigation,
    related,
    rename,
    rule_control,
    symbols,
)
from vespera.lsp.server import VesperaServer

_FEATURES = (
    lifecycle,
    completion,
    hover,
    navigation,
    symbols,
    rename,
    file_rename,
    code_actions,
    events,
    automation,
    rule_control,
    related,
    code_lens,
)
_LEVELS = {
    logging.ERROR: lsp.MessageType.Error,
    logging.WARNING: lsp.MessageType.Warning,
    logging.INFO: lsp.MessageType.Info,
}


def create_server(
    state_dir: Path | None = None, fallback_root: Path | None = None
) -> VesperaServer:
    """A server with every feature registered."""
    server = VesperaServer(state_dir, fallback_root)
    for feature in _FEATURES:
        feature.register(server)
    return server


class ClientLogHandler(logging.Handler):
    """Sends log records to the client as ``window/logMessage`` (never to stdout).

    Records from other threads (store threads, the file watcher) are handed to the event loop,
    which owns the connection.
    """

    def __init__(self, server: VesperaServer, level: int = logging.INFO) -> None:
        super().__init__(level)
        self._server = server
        self._loop: asyncio.AbstractEventLoop | None = None
        # Set while a record is being sent: a failure to send (the client gone, stdout
        # closed) is itself logged, and forwarding that record would loop for ever.
        self._sending = False

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("pygls") and record.levelno < logging.WARNING:
            return  # its own chatter about every message would echo back and forth
        try:
            message = self.format(record)
            kind = next((v for k, v in _LEVELS.items() if record.levelno >= k), lsp.MessageType.Log)
            params = lsp.LogMessageParams(type=kind, message=message)
            loop = self._running_loop()
            if loop is None:
                return
            if _on_loop(loop):
                self._send(params)
            else:
                loop.call_soon_threadsafe(self._send, params)
        except Exception:  # logging must never take the server down
            self.handleError(record)

    def _send(self, params: lsp.LogMessageParams) -> None:
        if self._sending:
            return
        self._sending = True
        try:
            self._server.window_log_message(params)
        finally:
            self._sending = False

    def _running_loop(self) -> asyncio.AbstractEventLoop | None:
        if self._loop is None or self._loop.is_closed():
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:
                return None
        return self._loop


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def run_stdio(state_dir: Path | None, fallback_root: Path | None, verbose: bool) -> int:
    """Serve on stdin/stdout until the client exits; logs go to the client and stderr."""
    server = create_server(state_dir, fallback_root)
    # Everything imported so far lives as long as the process: keeping it out of the
    # collector's full passes takes tens of milliseconds off each (seen as request latency).
    gc.freeze()
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    to_client = ClientLogHandler(server)
    to_client.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    root.addHandler(to_client)
    to_stderr = logging.StreamHandler(sys.stderr)
    to_stderr.setLevel(logging.DEBUG if verbose else logging.WARNING)
    to_stderr.setFormatter(logging.Formatter("vespera %(levelname)s %(name)s: %(message)s"))
    root.addHandler(to_stderr)
    return server.start_io()
