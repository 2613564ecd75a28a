"""Reading and parsing a vault's markdown notes into a typed model (no I/O beyond files)."""
