"""Generators of synthetic vaults for benchmarks and tests."""

from __future__ import annotations

from vespera.gen.vault_generator import GeneratedVault, generate_vault

__all__ = ["GeneratedVault", "generate_vault"]
