"""Ports of the live panels: reading the live streams, tracking open panels, and the presence they drive.

Publishing is the other half of the same streams: see live_ports.LivePublisher (written by the call
lifecycle and presence). The adapters live in callcenter/live/ (Redis streams), wired in live_wiring.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class LiveFeedUnavailable(Exception):
    """The live streams cannot be read right now (Redis down); the browser should retry later."""


@dataclass(frozen=True)
class LiveEvent:
    """One entry of a live stream; ``id`` is what the browser sends back as Last-Event-ID.

    ``data_json`` is the entry's data as stored: a JSON object on one line, relayed to the browser as it
    is (a screen-pop rung to fifty agents is not decoded and encoded again fifty times)."""

    id: str
    kind: str
    data_json: str = "{}"

    @property
    def data(self) -> dict[str, Any]:
        data = json.loads(self.data_json)
        return data if isinstance(data, dict) else {}


class LiveReader(Protocol):
    """One open live stream, read from just after the last event it delivered (one connection each)."""

    def start(self) -> None:
        """Fix where reading begins (after the newest event when opened without an id); may raise."""
        ...

    @property
    def position(self) -> str | None:
        """Return the id of the last event read or skipped (None before ``start``)."""
        ...

    def read(self, timeout_s: float) -> list[LiveEvent]:
        """Return the next events, waiting up to ``timeout_s`` for one; raise LiveFeedUnavailable."""
        ...

    def close(self) -> None: ...


class LiveFeed(Protocol):
    def agent(self, agent_id: int, after: str | None) -> LiveReader:
        """Open the agent's stream after the event ``after`` (None: after the newest one)."""
        ...

    def supervisors(self, after: str | None) -> LiveReader:
        """Open the supervisors' stream after the event ``after`` (None: after the newest one)."""
        ...


class PanelRegistry(Protocol):
    """When each agent's panels were last seen open (a panel that stays open is seen every heartbeat)."""

    def seen(self, agent_id: int, at: datetime) -> None: ...

    def forget(self, agent_id: int) -> None: ...

    def take_unseen_since(self, before: datetime) -> list[int]:
        """Remove and return the agents whose panels were last seen before ``before``."""
        ...


class PresenceControl(Protocol):
    """What the panels need of the presence feature (services.presence)."""

    def set_status(self, agent_id: int, status: str, reason: str | None = None) -> Any: ...
