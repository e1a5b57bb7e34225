"""The live-update port: what the call lifecycle and presence publish for panels (SSE).

Shared contract between the publishers (call_lifecycle, presence) and the adapter in callcenter/live/
(per-agent capped Redis streams read by the SSE endpoint, resumable by Last-Event-ID).

Agent stream event kinds and their data:
- "screen_pop":   {"call_id", "from", "to", "language", "round", "lookup": <screen_pop.lookup payload>}
- "call_answered": {"call_id", "agent_id"}  (sent to every agent who was offered the call)
- "call_ended":   {"call_id", "cause", "outcome"}
- "presence":     {"agent_id", "status", "reason", "since"}
Supervisor stream kinds: "agent_state" ({"agents": [<presence view>, …]}: the agents one step changed),
"queue", "call_stats" (snapshots, idempotent to apply; the supervision page reads a fresh snapshot of
everything when any of them comes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class LiveMessage:
    """One event for one agent's stream (``agent_id``) or, with ``agent_id`` None, the supervisors'."""

    agent_id: int | None
    kind: str
    data: dict[str, Any]


class LivePublisher(Protocol):
    def to_agent(self, agent_id: int, kind: str, data: dict[str, Any]) -> str | None:
        """Append an event to the agent's stream; return its id, or None when Redis is down."""
        ...

    def to_supervisors(self, kind: str, data: dict[str, Any]) -> str | None:
        """Append an event to the supervisors' stream; return its id, or None when Redis is down."""
        ...


@runtime_checkable
class BatchLivePublisher(LivePublisher, Protocol):
    def publish_many(self, messages: Sequence[LiveMessage]) -> None:
        """Append these events in this order, in one exchange with the store; never raise."""
        ...
