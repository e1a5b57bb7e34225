"""Publish what routing does to the live streams of agents and supervisors (kinds: see live_ports).

Publishing comes after the database commit and never fails a call: a publisher that raises is logged
and skipped, one that finds Redis down returns None (the panel catches up by replaying its stream).
The events of one request are collected in a batch and sent together: one round trip to Redis for the
screen-pops of every agent rung, their presence and the supervisors' views, instead of one each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from callcenter.services.live_ports import BatchLivePublisher, LiveMessage, LivePublisher

log = logging.getLogger(__name__)

PRESENCE_FIELDS = ("agent_id", "status", "reason", "since", "until", "call_id")


class EventBatch:
    """The live events of one request, in the order they are added."""

    def __init__(self) -> None:
        self.messages: list[LiveMessage] = []

    def presence(self, views: Iterable[dict[str, Any]]) -> None:
        """Tell each agent their new presence, and the supervisors every agent's of the step at once."""
        changed = list(views)
        for view in changed:
            data = {name: view[name] for name in PRESENCE_FIELDS}
            self.messages.append(LiveMessage(view["agent_id"], "presence", data))
        if changed:  # one entry, not one per agent: a ring-all changes fifty at once
            self.messages.append(LiveMessage(None, "agent_state", {"agents": changed}))

    def screen_pop(self, agent_ids: Iterable[int], payload: dict[str, Any]) -> None:
        """Pop the caller's history on the panels of the agents just offered the call."""
        self.messages.extend(LiveMessage(agent_id, "screen_pop", payload) for agent_id in agent_ids)

    def call_answered(self, agent_ids: Iterable[int], call_id: str, agent_id: int | None) -> None:
        data = {"call_id": call_id, "agent_id": agent_id}
        self.messages.extend(LiveMessage(offered, "call_answered", data) for offered in agent_ids)

    def call_ended(self, agent_ids: Iterable[int], call_id: str, cause: str | None,
                   outcome: str | None) -> None:
        data = {"call_id": call_id, "cause": cause, "outcome": outcome}
        self.messages.extend(LiveMessage(agent_id, "call_ended", data) for agent_id in agent_ids)

    def queue(self, waiting: list[dict[str, Any]]) -> None:
        self.messages.append(LiveMessage(None, "queue", {"waiting": waiting}))

    def call_stats(self, stats: dict[str, Any]) -> None:
        self.messages.append(LiveMessage(None, "call_stats", stats))


class RoutingEvents:
    def __init__(self, live: Callable[[], LivePublisher]) -> None:
        # A provider: the live feature may be registered after this one (or not at all).
        self._live = live

    @contextmanager
    def batch(self) -> Iterator[EventBatch]:
        """Collect events in the block, then send them together (nothing is sent if the block raises)."""
        batch = EventBatch()
        yield batch
        self.send(batch.messages)

    def presence(self, views: Iterable[dict[str, Any]]) -> None:
        """Tell each agent (and the supervisors) their new presence."""
        with self.batch() as batch:
            batch.presence(views)

    def screen_pop(self, agent_ids: Iterable[int], payload: dict[str, Any]) -> None:
        """Pop the caller's history on the panels of the agents just offered the call."""
        with self.batch() as batch:
            batch.screen_pop(agent_ids, payload)

    def call_answered(self, agent_ids: Iterable[int], call_id: str, agent_id: int | None) -> None:
        with self.batch() as batch:
            batch.call_answered(agent_ids, call_id, agent_id)

    def call_ended(self, agent_ids: Iterable[int], call_id: str, cause: str | None,
                   outcome: str | None) -> None:
        with self.batch() as batch:
            batch.call_ended(agent_ids, call_id, cause, outcome)

    def queue(self, waiting: list[dict[str, Any]]) -> None:
        with self.batch() as batch:
            batch.queue(waiting)

    def call_stats(self, stats: dict[str, Any]) -> None:
        with self.batch() as batch:
            batch.call_stats(stats)

    def send(self, messages: list[LiveMessage]) -> None:
        """Publish the messages, together when the publisher can; a failure is logged, never raised."""
        if not messages:
            return
        live = self._live()
        if isinstance(live, BatchLivePublisher):
            try:
                live.publish_many(messages)
            except Exception:  # a live panel is a convenience; the call goes on
                log.warning("%d live events not published", len(messages), exc_info=True)
            return
        for message in messages:
            self._one(live, message)

    def _one(self, live: LivePublisher, message: LiveMessage) -> None:
        try:
            if message.agent_id is None:
                live.to_supervisors(message.kind, message.data)
            else:
                live.to_agent(message.agent_id, message.kind, message.data)
        except Exception:  # a live panel is a convenience; the call goes on
            log.warning("live event %s for %s not published", message.kind,
                        message.agent_id or "supervisors", exc_info=True)
