"""The operational store (SQLite) and the graph (Kuzu): indexes rebuilt from the vault's files."""
