"""What the editor features know and compute, without any protocol: open documents, the vault
catalog, cursor contexts, completions, findings, navigation and renames.

The LSP layer (``vespera.lsp``) converts these plain objects to protocol types.
"""
