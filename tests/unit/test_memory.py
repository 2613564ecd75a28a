"""The allocator setting that keeps a long-lived sidecar's memory from creeping up."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vespera.memory import limit_malloc_arenas


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a glibc setting")
def test_arenas_are_limited_on_linux() -> None:
    # In a child: the setting is for a whole process, and belongs before its threads start.
    code = "from vespera.memory import limit_malloc_arenas as f; print(f())"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "True"


def test_elsewhere_nothing_happens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert limit_malloc_arenas() is False
