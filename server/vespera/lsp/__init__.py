"""The language server: a thin layer of LSP handlers over the vault, store and editor packages."""
