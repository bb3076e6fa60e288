"""Layer 3: from checked events to projection rows: facts, their intervals and evidence, the timeline, and the
change records an append makes. Imports ``events.tables`` and ``events.model``."""
