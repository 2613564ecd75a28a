"""Vault events: detecting them from index changes, the durable event log, and subscriptions.

The envelope and the table of types live in ``vespera_protocol.events``; this package makes
events (``detect``), keeps them (``log``) and hands them to whoever listens (``bus``).
"""
