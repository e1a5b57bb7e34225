"""Agent panels and presence: an open panel keeps the agent reachable; the last one closing sets it offline.

A panel's live stream reports itself seen when it opens, at every heartbeat and when it closes. The
periodic check ``close_abandoned`` sets offline every agent whose panels were last seen longer than the
grace period ago (a reload or a short network cut does not count); logging out does it at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from callcenter.domain.errors import DomainError
from callcenter.services.panel_ports import PanelRegistry, PresenceControl
from callcenter.services.ports import Clock

log = logging.getLogger(__name__)

OFFLINE = "offline"  # the presence status of an agent nobody can ring (twin: presence domain statuses)


class PanelWatch:
    def __init__(self, registry: PanelRegistry, presence: Callable[[], PresenceControl], clock: Clock,
                 grace: timedelta) -> None:
        self._registry = registry
        # A provider, not the service: features are built in list order and presence is its own feature.
        self._presence = presence
        self._clock = clock
        self._grace = grace

    def panel_seen(self, agent_id: int) -> None:
        """Record that a panel of the agent is open right now."""
        self._registry.seen(agent_id, self._clock.now())

    def logged_out(self, agent_id: int) -> None:
        """Set the agent offline at once: it logged out, so its open panels no longer count."""
        self._registry.forget(agent_id)
        self._set_offline(agent_id)

    def close_abandoned(self) -> list[int]:
        """Set offline every agent whose last panel closed more than the grace period ago; return them."""
        stale = self._registry.take_unseen_since(self._clock.now() - self._grace)
        return [agent_id for agent_id in stale if self._set_offline(agent_id)]

    def _set_offline(self, agent_id: int) -> bool:
        try:
            self._presence().set_status(agent_id, OFFLINE, None)
        except DomainError as exc:  # e.g. the user lost the agent role meanwhile: nothing to switch off
            log.info("agent %s not set offline: %s", agent_id, exc.message)
            return False
        return True
