"""Event ids: UUIDv7 (RFC 9562), unique and ordered by creation time.

Python 3.11 has no ``uuid.uuid7``. The 12 bits after the millisecond timestamp hold a counter
(the RFC's "method 1"), so ids made in the same millisecond by this process still sort in the
order they were made; the remaining 62 bits are random.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_COUNTER_MAX = 0xFFF


class IdGenerator:
    """Makes UUIDv7 strings that sort in the order they were made (also across clock steps)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = 0

    def __call__(self, now_ms: int | None = None) -> str:
        """A new id; ``now_ms`` replaces the clock (for tests)."""
        with self._lock:
            ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
            if ms <= self._last_ms:
                # The same millisecond (or a clock stepping back): count on from the last id.
                ms = self._last_ms
                self._counter += 1
                if self._counter > _COUNTER_MAX:
                    ms, self._counter = ms + 1, 0
            else:
                self._counter = 0
            self._last_ms = ms
            counter = self._counter
        rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
        value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand
        return str(uuid.UUID(int=value))


new_id = IdGenerator()
"""The process's id generator."""


def id_time_ms(event_id: str) -> int:
    """The millisecond timestamp a UUIDv7 carries."""
    return uuid.UUID(event_id).int >> 80
