"""Talking to ``vespera serve`` byte by byte, for input no well-behaved client would send."""

from __future__ import annotations

import json
import subprocess
import threading
from queue import Empty, Queue
from typing import IO, Any

PATIENCE = 60.0


class RawConnection:
    """A server process; frames are written as given and read back as JSON messages."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.messages: Queue[dict[str, Any] | None] = Queue()
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = None
            while True:
                header = stream.readline()
                if not header:
                    self.messages.put(None)
                    return
                if header in (b"\r\n", b"\n"):
                    break
                name, _, value = header.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None, "a message without Content-Length"
            self.messages.put(json.loads(stream.read(length)))

    def send_bytes(self, body: bytes) -> None:
        """Frame ``body`` as it is and send it."""
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        """Send a JSON-RPC message."""
        self.send_bytes(json.dumps({"jsonrpc": "2.0", **message}).encode())

    def response(self, predicate: Any) -> dict[str, Any]:
        """The next message (skipping notifications and others) for which ``predicate`` holds."""
        while True:
            try:
                message = self.messages.get(timeout=PATIENCE)
            except Empty:
                raise AssertionError("the server stopped answering") from None
            if message is None:
                raise AssertionError("the server closed its output")
            if predicate(message):
                return message

    def close(self) -> int:
        """Close stdin and wait for the process; returns its exit status."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            return self.process.wait(timeout=PATIENCE)
        finally:
            if self.process.poll() is None:
                self.process.kill()
