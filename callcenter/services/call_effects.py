"""What handling a route request or a call event leaves to do once the shared state has changed.

The router and the event handler collect these; the lifecycle writes them in one transaction (with
the answer kept for repeats of the request) and then publishes them to the live panels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callcenter.domain.call_events import LegOutcome
from callcenter.domain.call_records import Leg
from callcenter.domain.presence import AgentState
from callcenter.services.routing_ports import Applied, JsonDict, RoutingUnitOfWork
from callcenter.services.routing_records import persist


@dataclass(frozen=True)
class Pop:
    """A screen-pop for the agents just offered a call in a round; its payload (the caller's history,
    read from the CRM) is built when it is sent."""

    agents: tuple[int, ...]
    round: int
    payload: Callable[[], JsonDict]


@dataclass
class Effects:
    changes: list[Applied[Any]] = field(default_factory=list)
    new_legs: list[Leg] = field(default_factory=list)
    ended_legs: list[tuple[tuple[int, ...] | None, LegOutcome]] = field(default_factory=list)
    answered_leg: tuple[int, int] | None = None  # (agent id, round)
    pops: list[Pop] = field(default_factory=list)
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
    """Store presence changes, call routing and legs in the open transaction.

    Nothing written here is read back, so the writes can go in a batch (``uow.batched()``); the answered
    leg, whose update is read back (a leg is added where we did not ring), is written by ``answer_leg``
    after it.
    """
    persist(uow, effects.changes, now)
    for agent_ids, outcome in effects.ended_legs:  # legs of earlier rounds, before this round's are added
        uow.call_records.end_legs(call_id, list(agent_ids) if agent_ids is not None else None, outcome, now)
    uow.call_records.add_legs(effects.new_legs)
    if effects.new_legs:
        # The caller may have hung up while these legs were being decided. The hang-up (maybe on another
        # node) recorded the end of the call under the call's row lock and ended the legs it found;
        # legs written after it would stay ringing for ever. Locking the row orders the two: either the
        # hang-up waits for these legs and ends them itself, or it came first and these are ended here.
        uow.call_records.end_legs_if_call_ended(call_id, LegOutcome.NO_ANSWER)


def answer_leg(uow: RoutingUnitOfWork, call_id: str, effects: Effects, now: datetime) -> None:
    """Mark the answering agent's leg answered, after write_effects (it reads what it updated)."""
    if effects.answered_leg is not None:
        agent_id, round_ = effects.answered_leg
        uow.call_records.answer_leg(call_id, agent_id, round_, now)
