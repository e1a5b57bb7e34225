"""Call events: newCall, ringing (per leg), answer (by an agent), hangup (of a leg or of the call).

``prepare`` runs in the event's first transaction: it locks the call's record (creating it on first
sight, whatever the event) and writes what the event says — numbers, answer, end, outcome — so the
CRM record is complete even when Redis is down. The record decides who answered: the first answer
it keeps wins, and the shared state follows it. ``handle`` then changes presence accordingly.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from callcenter.domain import routing_moves as moves
from callcenter.domain.agents import AgentProfile
from callcenter.domain.call_events import CallEvent, CallEventKind, LegOutcome, leg_end_outcome
from callcenter.domain.call_records import CallRecord, Leg, apply_event, ends_leg_only, first_sight
from callcenter.domain.errors import Conflict, RuleViolation
from callcenter.domain.routing import RoutingPolicy
from callcenter.services.agents import AgentService
from callcenter.services.call_effects import Effects, Pop
from callcenter.services.call_router import CallRouter
from callcenter.services.routing_ports import JsonDict, RoutingStore, RoutingUnitOfWork


@dataclass(frozen=True)
class Prepared:
    before: CallRecord  # the record as it was before this event
    record: CallRecord
    agent: AgentProfile | None
    at: datetime


class CallEventHandler:
    def __init__(self, store: RoutingStore, agents: AgentService, router: CallRouter, policy: RoutingPolicy,
                 wrap_up_s: float) -> None:
        self._store = store
        self._agents = agents
        self._router = router
        self._policy = policy
        self._wrap_up_s = wrap_up_s

    def prepare(self, uow: RoutingUnitOfWork, event: CallEvent, now: datetime) -> Prepared:
        """Record what the event says about the call (creating its record on first sight)."""
        at = event.at or now
        agent = self._agents.resolve(event.agent) if event.agent else None
        if event.kind is CallEventKind.RINGING and agent is None:
            raise RuleViolation(f"No agent is known as {event.agent!r}.", {"agent": "unknown agent"})
        before = uow.call_records.get(event.call_id, for_update=True) or _first(uow, event, at)
        record = apply_event(before, event, agent.user_id if agent else None, at)
        if record != before:
            uow.call_records.save(record)
        return Prepared(before, record, agent, at)

    def handle(self, event: CallEvent, prepared: Prepared, now: datetime) -> tuple[JsonDict, Effects]:
        """Change presence and the queue as the event says; return the answer and what is left to do."""
        effects = Effects()
        if event.kind is CallEventKind.RINGING:
            self._ringing(prepared, effects, now)
        elif event.kind is CallEventKind.ANSWER:
            self._answer(prepared, effects, now)
        elif event.kind is CallEventKind.HANGUP:
            self._hangup(event, prepared, effects, now)
        agent = prepared.agent.username if prepared.agent else None
        winner = prepared.record.agent_user_id
        return {"status": "processed", "event": event.kind.value, "call_id": event.call_id, "agent": agent,
                "answered_by": winner, "outcome": prepared.record.outcome}, effects

    def _ringing(self, prepared: Prepared, effects: Effects, now: datetime) -> None:
        assert prepared.agent is not None
        agent_id, record = prepared.agent.user_id, prepared.record
        until = now + timedelta(seconds=self._policy.reservation_s())
        fresh = record.routing
        applied = self._store.change(record.call_id, [agent_id], lambda call, agents: moves.ring(
            call, fresh, agents, agent_id, now, until), now)
        effects.add(applied, queue_changed=applied.result)
        if applied.result:
            round_ = max(record.round, 1)
            effects.new_legs.append(Leg(record.call_id, agent_id, round_, prepared.at))
            effects.pops.append(Pop((agent_id,), round_, functools.partial(self._router.pop_payload, record,
                                                                           round_)))

    def _answer(self, prepared: Prepared, effects: Effects, now: datetime) -> None:
        record = prepared.record
        winner = record.agent_user_id
        asked = [a for a in (winner, prepared.agent.user_id if prepared.agent else None) if a is not None]
        applied = self._store.change(record.call_id, asked, lambda call, agents: moves.answer(
            call, record.routing, agents, winner, now), now)
        effects.add(applied, queue_changed=applied.call is not None)
        effects.stats_changed = True
        if winner is not None:
            effects.answered_leg = (winner, max(record.round, 1))
        offered = applied.call.targets if applied.call is not None else record.targets
        others = tuple(a for a in offered if a != winner)
        if others:  # their legs end "rang": another agent won the round
            effects.ended_legs.append((others, LegOutcome.RANG))
        if applied.result.applied and applied.call is not None:
            effects.answered = (applied.call.targets, winner)

    def _hangup(self, event: CallEvent, prepared: Prepared, effects: Effects, now: datetime) -> None:
        record, agent = prepared.record, prepared.agent
        if agent is not None and ends_leg_only(prepared.before, agent.user_id):
            applied = self._store.change(record.call_id, [agent.user_id], lambda call, agents: moves.end_leg(
                call, agents, agent.user_id, now), now)
            effects.add(applied)
            effects.ended_legs.append(((agent.user_id,), leg_end_outcome(event.cause)))
            return
        hung_up = self._store.change(record.call_id, [], lambda call, agents: moves.hang_up(
            call, record.routing, agents, now, self._wrap_up_s), now)
        effects.add(hung_up, queue_changed=hung_up.call is not None)
        effects.stats_changed = True
        if record.answered_at is None:
            effects.ended_legs.append((None, LegOutcome.NO_ANSWER))
        ended = hung_up.result
        if ended.wrap_up is not None:
            effects.wrap_ups.append(ended.wrap_up)
        if not ended.repeated:
            involved = set(ended.offered) | ({record.agent_user_id} if record.agent_user_id else set())
            effects.ended = (tuple(sorted(involved)), record.hangup_cause, record.outcome)


def _first(uow: RoutingUnitOfWork, event: CallEvent, at: datetime) -> CallRecord:
    try:
        return uow.call_records.add(first_sight(event, at))
    except Conflict:  # two first events of the call at the same moment: the other one recorded it
        found = uow.call_records.get(event.call_id, for_update=True)
        assert found is not None
        return found
