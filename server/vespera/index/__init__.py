"""Keeping the stores in step with the vault's files: full scans, incremental updates, watching."""
