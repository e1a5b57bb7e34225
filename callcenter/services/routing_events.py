"""Publish what routing does to the live streams of agents and supervisors (kinds: see live_ports).

Publishing comes after the database commit and never fails a call: a publisher that raises is logged
and skipped, one that finds Redis down returns None (the panel catches up by replaying its stream).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from callcenter.services.live_ports import LivePublisher

log = logging.getLogger(__name__)

PRESENCE_FIELDS = ("agent_id", "status", "reason", "since", "until", "call_id")


class RoutingEvents:
    def __init__(self, live: Callable[[], LivePublisher]) -> None:
        # A provider: the live feature may be registered after this one (or not at all).
        self._live = live

    def presence(self, views: Iterable[dict[str, Any]]) -> None:
        """Tell each agent (and the supervisors) their new presence."""
        for view in views:
            data = {name: view[name] for name in PRESENCE_FIELDS}
            self._to_agent(view["agent_id"], "presence", data)
            self._to_supervisors("agent_state", view)

    def screen_pop(self, agent_ids: Iterable[int], payload: dict[str, Any]) -> None:
        """Pop the caller's history on the panels of the agents just offered the call."""
        for agent_id in agent_ids:
            self._to_agent(agent_id, "screen_pop", payload)

    def call_answered(self, agent_ids: Iterable[int], call_id: str, agent_id: int | None) -> None:
        for offered in agent_ids:
            self._to_agent(offered, "call_answered", {"call_id": call_id, "agent_id": agent_id})

    def call_ended(self, agent_ids: Iterable[int], call_id: str, cause: str | None,
                   outcome: str | None) -> None:
        for agent_id in agent_ids:
            self._to_agent(agent_id, "call_ended", {"call_id": call_id, "cause": cause, "outcome": outcome})

    def queue(self, waiting: list[dict[str, Any]]) -> None:
        self._to_supervisors("queue", {"waiting": waiting})

    def call_stats(self, stats: dict[str, Any]) -> None:
        self._to_supervisors("call_stats", stats)

    def _to_agent(self, agent_id: int, kind: str, data: dict[str, Any]) -> None:
        try:
            self._live().to_agent(agent_id, kind, data)
        except Exception:  # a live panel is a convenience; the call goes on
            log.warning("live event %s for agent %s not published", kind, agent_id, exc_info=True)

    def _to_supervisors(self, kind: str, data: dict[str, Any]) -> None:
        try:
            self._live().to_supervisors(kind, data)
        except Exception:
            log.warning("live event %s for supervisors not published", kind, exc_info=True)
