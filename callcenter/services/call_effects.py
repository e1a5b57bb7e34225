"""What handling a route request or a call event leaves to do once the shared state has changed.

The router and the event handler collect these; the lifecycle writes them in one transaction (with
the answer kept for repeats of the request) and then publishes them to the live panels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callcenter.domain.call_events import LegOutcome
from callcenter.domain.call_records import Leg
from callcenter.domain.presence import AgentState
from callcenter.services.routing_ports import Applied, JsonDict, RoutingUnitOfWork
from callcenter.services.routing_records import persist


@dataclass
class Effects:
    changes: list[Applied[Any]] = field(default_factory=list)
    new_legs: list[Leg] = field(default_factory=list)
    ended_legs: list[tuple[tuple[int, ...] | None, LegOutcome]] = field(default_factory=list)
    answered_leg: tuple[int, int] | None = None  # (agent id, round)
    pops: list[tuple[tuple[int, ...], JsonDict]] = field(default_factory=list)  # (agents, screen-pop payload)
    answered: tuple[tuple[int, ...], int | None] | None = None  # (agents offered the call, who answered)
    ended: tuple[tuple[int, ...], str | None, str | None] | None = None  # (agents involved, cause, outcome)
    wrap_ups: list[AgentState] = field(default_factory=list)
    queue_changed: bool = False
    stats_changed: bool = False

    def only_calls_routing(self) -> bool:
        """Tell whether the step changed nothing but calls' routing rows (a waiting caller's next step):
        no agent, leg, answer, end or event to tell, each write standing alone."""
        return (not (self.new_legs or self.ended_legs or self.pops or self.wrap_ups)
                and self.answered_leg is None and self.answered is None and self.ended is None
                and all(not applied.agents for applied in self.changes))

    def add(self, applied: Applied[Any], *, queue_changed: bool = False) -> None:
        """Keep a change of the shared state, to be copied to the database and published."""
        self.changes.append(applied)
        self.queue_changed = self.queue_changed or queue_changed


def write_effects(uow: RoutingUnitOfWork, call_id: str, effects: Effects, now: datetime) -> None:
    """Store presence changes, call routing and legs in the open transaction."""
    persist(uow, effects.changes, now)
    for agent_ids, outcome in effects.ended_legs:  # legs of earlier rounds, before this round's are added
        uow.call_records.end_legs(call_id, list(agent_ids) if agent_ids is not None else None, outcome, now)
    uow.call_records.add_legs(effects.new_legs)
    if effects.new_legs:
        _end_legs_of_a_call_hung_up_meanwhile(uow, call_id, effects.new_legs)
    if effects.answered_leg is not None:
        agent_id, round_ = effects.answered_leg
        uow.call_records.answer_leg(call_id, agent_id, round_, now)


def _end_legs_of_a_call_hung_up_meanwhile(uow: RoutingUnitOfWork, call_id: str, legs: list[Leg]) -> None:
    """End at once the legs just added if the caller hung up while they were being decided.

    The hang-up (maybe on another node) recorded the end of the call under the call's row lock and ends
    the legs it finds; legs written after it would stay ringing for ever. Locking the row here orders
    the two: either the hang-up waits for these legs and ends them itself, or it came first and is seen.
    """
    record = uow.call_records.get(call_id, for_update=True)
    if record is not None and record.ended_at is not None:
        uow.call_records.end_legs(call_id, sorted({leg.agent_id for leg in legs}), LegOutcome.NO_ANSWER,
                                  record.ended_at)
