"""Agent presence use cases (services.presence), for the agent panel, the supervisor view and routing.

API of the panels:
- ``set_status(agent_id, status, reason=None) -> PresenceView``: the agent chooses available, paused
  (``reason`` one of ``pause_reasons()``) or offline; ringing, on_call and wrap_up are set by calls
  (an agent on a call may only go offline; pausing while ringing declines the call).
- ``get(agent_id) -> PresenceView`` and ``all() -> list[PresenceView]`` (every active agent, by username).
- ``pause_reasons(lang="fr") -> list[{"code", "label"}]``.
- ``time_in_states(agent_id, start, end) -> {status: seconds}`` from the change log.
- ``finish_wrap_up(agent_id)``: run by a job when a wrap-up ends (routing already sees the agent free).
Every change goes to Redis (shared by the nodes) and to the database (last known state and log),
then to the agent's live stream ("presence") and the supervisors' ("agent_state").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from callcenter.domain import routing_moves as moves
from callcenter.domain.agents import AgentProfile
from callcenter.domain.call_events import LegOutcome
from callcenter.domain.presence import (
    AgentState,
    NotAnAgent,
    PresenceStatus,
    pause_reason_label,
    time_in_states,
)
from callcenter.services.agents import AgentService
from callcenter.services.ports import Clock, JobQueue
from callcenter.services.routing_events import RoutingEvents
from callcenter.services.routing_ports import Applied, RoutingStore, RoutingUowFactory
from callcenter.services.routing_records import persist

log = logging.getLogger(__name__)

FINISH_WRAP_UP_JOB = "callcenter.jobs.presence_tasks.finish_wrap_up"


@dataclass(frozen=True)
class PresenceView:
    agent_id: int
    username: str
    display_name: str
    languages: tuple[str, ...]
    status: PresenceStatus
    since: datetime
    reason: str | None = None
    until: datetime | None = None
    call_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"agent_id": self.agent_id, "username": self.username, "display_name": self.display_name,
                "languages": list(self.languages), "status": self.status.value, "reason": self.reason,
                "since": self.since.isoformat(), "until": self.until.isoformat() if self.until else None,
                "call_id": self.call_id}


def view(profile: AgentProfile, state: AgentState) -> PresenceView:
    return PresenceView(profile.user_id, profile.username, profile.display_name, profile.languages,
                        state.status, state.since, state.reason, state.until, state.call_id)


class PresenceService:
    def __init__(self, store: RoutingStore, uow: RoutingUowFactory, clock: Clock, agents: AgentService,
                 events: RoutingEvents, jobs: JobQueue | None, pause_reasons: tuple[str, ...]) -> None:
        self._store = store
        self._uow = uow
        self._clock = clock
        self._agents = agents
        self._events = events
        self._jobs = jobs
        self._reasons = pause_reasons

    def set_status(self, agent_id: int, status: str, reason: str | None = None) -> PresenceView:
        """Apply the agent's own choice of available, paused (with a reason) or offline."""
        profile = self._agent(agent_id)
        now = self._clock.now()
        applied = self._store.change(None, [agent_id], lambda _call, agents: moves.set_status(
            agents, agent_id, status, reason, now, self._reasons), now)
        before = applied.result
        declined = before.status is PresenceStatus.RINGING and applied.agents.get(agent_id, before).status \
            is not PresenceStatus.RINGING
        with self._uow() as uow:
            persist(uow, [applied], now)
            if declined and before.call_id:
                uow.call_records.end_legs(before.call_id, [agent_id], LegOutcome.DECLINED, now)
            uow.commit()
        self.publish([applied])
        return view(profile, applied.agents.get(agent_id, before))

    def get(self, agent_id: int) -> PresenceView:
        """Return the agent's presence as it is now."""
        profile = self._agent(agent_id)
        now = self._clock.now()
        return view(profile, self._store.agents([agent_id], now)[agent_id].effective(now))

    def all(self) -> list[PresenceView]:
        """Return the presence of every active agent, by username."""
        now = self._clock.now()
        profiles = sorted(self._agents.directory().values(), key=lambda p: p.username)
        states = self._store.agents([p.user_id for p in profiles], now)
        return [view(p, states[p.user_id].effective(now)) for p in profiles]

    def pause_reasons(self, lang: str = "fr") -> list[dict[str, str]]:
        """List the pause reasons with their label in ``lang``."""
        return [{"code": code, "label": pause_reason_label(code, lang)} for code in self._reasons]

    def time_in_states(self, agent_id: int, start: datetime, end: datetime) -> dict[str, float]:
        """Sum the seconds the agent spent in each state within [start, end)."""
        with self._uow() as uow:
            changes = uow.presence.changes(agent_id, start, end)
        return {status.value: seconds for status, seconds in time_in_states(changes, start, end).items()}

    def finish_wrap_up(self, agent_id: int) -> PresenceView:
        """Record that the agent's wrap-up is over (routing already treats them as available)."""
        profile = self._agent(agent_id)
        now = self._clock.now()
        applied = self._store.change(None, [agent_id],
                                     lambda _call, agents: moves.settle(agents, agent_id, now), now)
        with self._uow() as uow:
            persist(uow, [applied], now)
            uow.commit()
        self.publish([applied])
        return view(profile, applied.result)

    def schedule_wrap_up_end(self, state: AgentState) -> None:
        """Have a job record the end of a wrap-up when it is due (routing does not wait for it)."""
        if self._jobs is None or state.until is None:
            return
        job_id = f"wrap-up-{state.agent_id}-{state.until.strftime('%Y%m%dT%H%M%S%f')}"
        try:
            self._jobs.enqueue(FINISH_WRAP_UP_JOB, state.agent_id, job_id=job_id, at=state.until, retries=1)
        except Exception:  # Redis down: the end of the wrap-up is recorded by the agent's next change
            log.warning("could not schedule the end of agent %s's wrap-up", state.agent_id, exc_info=True)

    def publish(self, changes: list[Applied[Any]]) -> None:
        """Tell the panels of the agents whose presence changed."""
        self._events.presence(self.views(changes))

    def views(self, changes: list[Applied[Any]]) -> list[dict[str, Any]]:
        """Return the new presence of the agents these changes touched, as published to the panels."""
        directory = self._agents.directory()
        return [view(directory[agent_id], state).as_dict() for applied in changes
                for agent_id, state in applied.agents.items() if agent_id in directory]

    def _agent(self, agent_id: int) -> AgentProfile:
        profile = self._agents.get(agent_id)
        if not profile.active:
            raise NotAnAgent(f"{profile.username!r} is not an active agent.", {"agent_id": "not an agent"})
        return profile
