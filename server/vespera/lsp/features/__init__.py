"""One module per LSP feature; each has a ``register(server)`` that wires its handlers."""
