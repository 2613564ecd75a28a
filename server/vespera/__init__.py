"""Vespera: a language-server-style automation sidecar for markdown vaults."""

from __future__ import annotations

__version__ = "0.1.0"
