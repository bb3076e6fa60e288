"""Layer 4: the append algorithm above the projections: checks made before anything is written, the append
itself, rebuild, and the records written when a future-dated fact's day arrives."""
