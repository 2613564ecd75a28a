"""Benchmarks: measured figures for ``docs/benchmarks.md``, never timed unit tests."""
