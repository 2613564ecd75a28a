"""Tag-driven automation: rules that react to vault events and change the vault.

Rule files are read and checked in :mod:`~vespera.automation.rules`; an event meets its candidate
rules through :mod:`~vespera.automation.matcher`; :mod:`~vespera.automation.runner` runs the
actions a matching rule asks for, records the run's trace and reports its result.
"""
