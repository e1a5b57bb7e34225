"""Use cases: each owns its transaction and talks to ports (see ports.py)."""
