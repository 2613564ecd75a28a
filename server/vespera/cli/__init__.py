"""The ``vespera`` command line."""
