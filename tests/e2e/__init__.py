"""End-to-end tests: a real vault on disk, the indexer, SQLite and Kuzu in temporary folders.

A package, so that the test modules share :mod:`tests.e2e.stores` through relative imports that
both pytest and mypy resolve.
"""
