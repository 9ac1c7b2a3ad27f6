"""The fleet view: one frame of cluster health across the four systems."""
