"""Job tasks: thin importable functions taking ids, each calling one use case of the worker's services."""

from __future__ import annotations

from callcenter.jobs import runtime
from callcenter.services.housekeeping import Housekeeping


def prune_scheduled_runs() -> int:
    """Delete records of periodic runs older than the retention period; return how many."""
    s = runtime.services()
    return Housekeeping(s.uow, s.clock).prune_scheduled_runs()
