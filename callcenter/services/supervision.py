"""The supervisor view's snapshot: every agent's state, the callers waiting, today's figures, routing health.

One snapshot is cheap (Redis for presence and the queue, one counting query for today) and idempotent to
apply, so the supervision page simply receives a fresh one whenever something changes, and every few
seconds anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from callcenter.domain.errors import InvalidInput
from callcenter.domain.phone import format_phone, normalise_phone
from callcenter.services.crm_ports import iso
from callcenter.services.ports import Clock
from callcenter.services.presence import PresenceView


class AgentsBoard(Protocol):
    def all(self) -> list[PresenceView]: ...


class QueueBoard(Protocol):
    def waiting(self) -> list[dict[str, Any]]: ...

    def routing_health(self) -> dict[str, Any]: ...


class DayFigures(Protocol):
    def today(self) -> dict[str, Any]: ...


class SupervisionBoard:
    def __init__(self, presence: Callable[[], AgentsBoard], calls: Callable[[], QueueBoard],
                 stats: Callable[[], DayFigures], clock: Clock,
                 phones: Callable[[], frozenset[str] | None] = lambda: None) -> None:
        # Providers: presence and the call lifecycle are features built after this one.
        self._presence = presence
        self._calls = calls
        self._stats = stats
        self._clock = clock
        self._phones = phones  # SIP users with a registered phone; None when registrations are not tracked

    def snapshot(self) -> dict[str, Any]:
        """Return agents, waiting callers and today's figures, and whether routing runs on Redis ("live")."""
        calls = self._calls()
        today = self._stats().today()
        phones = self._phones()
        return {
            "at": iso(self._clock.now()),
            "live": bool(calls.routing_health().get("ok")),
            "agents": [_agent(view, phones) for view in self._presence().all()],
            "waiting": [_waiting(call) for call in calls.waiting()],
            "today": {"answered": today["answered"], "abandoned": today["abandoned"],
                      "answered_in_time": today["answered_within_20s"],
                      "share_in_time": today["share_answered_within_20s"]},
        }


def _agent(view: PresenceView, phones: frozenset[str] | None) -> dict[str, Any]:
    return {"id": view.agent_id, "name": view.display_name, "status": view.status.value,
            "reason": view.reason, "since": iso(view.since),
            "phone_registered": None if phones is None else view.username in phones}


def _waiting(call: dict[str, Any]) -> dict[str, Any]:
    return {"call_id": call["call_id"], "caller": _shown(call.get("caller")),
            "language": call.get("language"), "since": call["since"], "state": call["state"]}


def _shown(number: object) -> str | None:
    """Return the caller's number as people read it (anonymous and extensions as they are)."""
    if not isinstance(number, str) or not number:
        return None
    try:
        return format_phone(normalise_phone(number, field="caller"))
    except InvalidInput:
        return number
