"""Panel job task: set offline the agents whose last panel closed longer than the grace period ago."""

from __future__ import annotations

from callcenter.jobs import runtime


def close_abandoned_panels() -> list[int]:
    """Set offline every agent without an open panel since the grace period; return their ids."""
    return runtime.services().panels.close_abandoned()  # type: ignore[no-any-return]
