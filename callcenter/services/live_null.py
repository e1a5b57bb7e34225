"""The LivePublisher used when no live panels are configured: events are dropped, with a debug line."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


class NullLivePublisher:
    """No live panels configured: nothing is published (wiring uses it when no "live" feature exists)."""

    def to_agent(self, agent_id: int, kind: str, data: dict[str, Any]) -> str | None:
        log.debug("no live panels configured: %s for agent %s dropped", kind, agent_id)
        return None

    def to_supervisors(self, kind: str, data: dict[str, Any]) -> str | None:
        log.debug("no live panels configured: %s for supervisors dropped", kind)
        return None
