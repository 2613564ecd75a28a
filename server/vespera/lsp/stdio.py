"""Serving over stdin/stdout with stdin read by the event loop itself.

pygls reads stdin in a thread: each header line and each body is a call into its thread pool,
so every message crosses threads three times. While the indexer's threads run Python (listing
the vault, reading rows), each crossing may wait a whole switch interval of the interpreter
lock (5 ms) before the event loop runs again: a tag completion took 15 to 25 ms at the 99th
percentile during a re-index. Read with the event loop's own selector, a message costs no
crossing at all.

Only a pipe or a socket is read this way (as editors connect): making a terminal non-blocking
would leave it so for the shell afterwards. Anything else is read as pygls reads it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO

from pygls.io_ import StdinAsyncReader, run_async

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor
    from threading import Event

    from pygls.exceptions import JsonRpcException
    from pygls.protocol import JsonRPCProtocol

log = logging.getLogger(__name__)


class PipeReader:
    """A stream reader with pygls' reader interface (end of input reads as ``b""``)."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self._stream = stream

    async def readline(self) -> bytes:
        return await self._stream.readline()

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self._stream.readexactly(n)
        except asyncio.IncompleteReadError:
            return b""  # the client went away mid-message: nothing more will come


def is_pipe(stream: BinaryIO) -> bool:
    """Whether ``stream`` is a pipe or a socket (and not a terminal or a file)."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):  # no file descriptor (a test's in-memory stream)
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


async def open_reader(
    stdin: BinaryIO, executor: Callable[[], ThreadPoolExecutor]
) -> PipeReader | StdinAsyncReader:
    """A reader of ``stdin``: on the event loop when it is a pipe, else in a thread."""
    if is_pipe(stdin):
        loop = asyncio.get_running_loop()
        stream = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), stdin)
        return PipeReader(stream)
    return StdinAsyncReader(stdin, executor())


async def serve(
    stop: Event,
    stdin: BinaryIO,
    executor: Callable[[], ThreadPoolExecutor],
    protocol: JsonRPCProtocol,
    on_error: Callable[[Exception, type[JsonRpcException]], Any],
    exited: asyncio.Event,
) -> None:
    """Read and handle messages until the client exits (``exited`` is set), or closes stdin,
    or ``stop`` is set."""
    reader = await open_reader(stdin, executor)
    reading = asyncio.ensure_future(
        run_async(
            stop_event=stop, reader=reader, protocol=protocol, logger=log, error_handler=on_error
        )
    )
    ending = asyncio.ensure_future(exited.wait())
    await asyncio.wait({reading, ending}, return_when=asyncio.FIRST_COMPLETED)
    for task in (reading, ending):
        task.cancel()
    await asyncio.gather(reading, ending, return_exceptions=True)
