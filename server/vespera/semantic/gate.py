"""Pause and stop for a long embedding pass, from any thread.

Kept apart from the embedding code, which needs numpy: the language server holds a gate from
its start, and loads the rest only when it begins to embed.
"""

from __future__ import annotations

import threading


class Gate:
    """Pause and stop for a long pass, set from any thread."""

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self.stopped = threading.Event()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self.stopped.set()
        self._running.set()

    def wait(self) -> bool:
        """Block while paused; False once stopped."""
        while not self._running.wait(0.5):
            pass
        return not self.stopped.is_set()
