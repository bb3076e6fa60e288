"""Layer 2: the database seen as tables, backend-neutral SQL through a :class:`~events.tables.tx.Tx`.

The schema, the event table, the registry of defined ids and the versions corrections give.
Imports only ``events.model``.
"""
