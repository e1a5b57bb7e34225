"""The changes routing makes to a call and its agents together, as pure functions returning a Move.

A store reads the call's routing state and the agents' states atomically, calls one of these, and
writes the Move back atomically (or retries when another node got there first). Each move is
idempotent: applied to its own result it changes nothing, so a repeated request or event is harmless.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Generic, TypeVar

from callcenter.domain import presence
from callcenter.domain.call_records import CallRouting, CallState
from callcenter.domain.presence import AgentState, PresenceStatus

T = TypeVar("T")
Agents = Mapping[int, AgentState]


@dataclass(frozen=True)
class Move(Generic[T]):
    call: CallRouting | None  # the call's new routing state; None leaves it as it is
    agents: dict[int, AgentState] = field(default_factory=dict)  # only the agents that change
    result: T = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Entered:
    call: CallRouting
    over: bool = False  # answered, announced or ended: nothing to route
    ringing: tuple[int, ...] = ()  # still ringing these agents in this round (a repeated request)
    released: tuple[int, ...] = ()  # agents of the previous round, no longer rung
    joined: bool = False  # the call was not in the queue before


@dataclass(frozen=True)
class Answered:
    applied: bool  # False: the call had ended already
    winner: int | None
    released: tuple[int, ...] = ()
    late: bool = False  # the call had already ended: only the record learns of the answer


@dataclass(frozen=True)
class Ended:
    wrap_up: AgentState | None = None  # the answering agent, now wrapping up
    released: tuple[int, ...] = ()
    offered: tuple[int, ...] = ()
    repeated: bool = False


def enter(call: CallRouting | None, fresh: CallRouting, round_: int, agents: Agents,
          now: datetime) -> Move[Entered]:
    """Put the call in the queue (or keep it there), releasing the agents of a round that timed out."""
    current = call or fresh
    if current.is_over:
        return Move(None, {}, Entered(current, over=True))
    if current.ringing_at(now) and round_ <= current.round:
        seen = replace(current, last_seen=now)
        return Move(seen, {}, Entered(seen, ringing=current.targets))
    changed = _release_all(current, agents, now)
    queued = replace(current, state=CallState.WAITING, last_seen=now, targets=(), ring_until=None)
    joined = current.state not in (CallState.WAITING, CallState.RINGING)
    return Move(queued, changed, Entered(queued, released=tuple(changed), joined=joined))


def reserve(call: CallRouting | None, agents: Agents, targets: tuple[int, ...], round_: int,
            now: datetime, until: datetime) -> Move[bool]:
    """Ring ``targets`` for the call until ``until`` if every one of them is still free, else nothing."""
    if call is None or call.is_over or call.ringing_at(now):
        return Move(None, {}, False)
    ringing: dict[int, AgentState] = {}
    for agent_id in targets:
        state = presence.reserve(agents[agent_id], call.call_id, now, until)
        if state is None:
            return Move(None, {}, False)
        ringing[agent_id] = state
    updated = replace(call, state=CallState.RINGING, round=round_, targets=targets, ring_until=until,
                      last_seen=now)
    return Move(updated, ringing, True)


def enter_and_reserve(call: CallRouting | None, fresh: CallRouting, round_: int, agents: Agents,
                      targets: tuple[int, ...], now: datetime, until: datetime) -> Move[tuple[Entered, bool]]:
    """Enter the call (as enter()) and ring ``targets`` in the same change (as reserve()) if every one of
    them is still free; otherwise only enter it. For targets planned on a state read beforehand: one
    change where entering, then reserving, would be two. The result: what entering gave, and whether the
    targets ring (False: plan again, on the state after entering)."""
    entered = enter(call, fresh, round_, agents, now)
    if entered.call is None or entered.result.over or entered.result.ringing:
        return Move(entered.call, entered.agents, (entered.result, False))
    reserved = reserve(entered.call, {**agents, **entered.agents}, targets, round_, now, until)
    if not reserved.result:
        return Move(entered.call, entered.agents, (entered.result, False))
    return Move(reserved.call, {**entered.agents, **reserved.agents}, (entered.result, True))


def announce(call: CallRouting | None, agents: Agents, now: datetime) -> Move[tuple[int, ...]]:
    """Take the call out of the queue (it hears closed or busy), releasing any agent it rings."""
    if call is None or call.is_over:
        return Move(None, {}, ())
    changed = _release_all(call, agents, now)
    return Move(replace(call, state=CallState.ANNOUNCED, last_seen=now, ring_until=None), changed,
                tuple(changed))


def answer(call: CallRouting | None, fresh: CallRouting, agents: Agents, winner: int | None,
           now: datetime) -> Move[Answered]:
    """Give the call to ``winner`` (the first answer the record kept); the others it rang are free again.

    ``winner`` None: telephony named nobody we know; the call still leaves the queue and frees its agents.
    """
    current = call or fresh
    if current.state is CallState.ENDED:
        return Move(None, {}, Answered(False, current.answered_by, late=True))
    if current.state is CallState.ANSWERED:
        return Move(None, {}, Answered(True, current.answered_by))
    changed = _release_all(current, agents, now, keep=winner)
    targets = current.targets
    if winner is not None:
        changed[winner] = presence.answer(agents[winner], current.call_id, now)
        targets = targets if winner in targets else (*targets, winner)
    updated = replace(current, state=CallState.ANSWERED, answered_by=winner, targets=targets,
                      ring_until=None, last_seen=now)
    return Move(updated, changed, Answered(True, winner, tuple(a for a in changed if a != winner)))


def ring(call: CallRouting | None, fresh: CallRouting, agents: Agents, agent_id: int, now: datetime,
         until: datetime) -> Move[bool]:
    """Note that telephony rings ``agent_id`` for the call; True when we had not offered it to them."""
    current = call or fresh
    if current.is_over or agent_id in current.targets:
        return Move(None, {}, False)
    reserved = presence.reserve(agents[agent_id], current.call_id, now, until)
    changed = {agent_id: reserved} if reserved is not None else {}
    ring_until = max(until, current.ring_until) if current.ringing_at(now) and current.ring_until else until
    updated = replace(current, state=CallState.RINGING, targets=(*current.targets, agent_id),
                      ring_until=ring_until, last_seen=now)
    return Move(updated, changed, True)


def end_leg(call: CallRouting | None, agents: Agents, agent_id: int, now: datetime) -> Move[bool]:
    """End one agent's ringing for the call (declined or not answered); the call goes on."""
    if call is None:
        return Move(None, {}, False)
    released = presence.release(agents[agent_id], call.call_id, now)
    changed = {agent_id: released} if released != agents[agent_id] else {}
    return Move(None, changed, bool(changed))


def hang_up(call: CallRouting | None, fresh: CallRouting, agents: Agents, now: datetime,
            wrap_up_s: float) -> Move[Ended]:
    """End the call: its agent wraps up, agents still ringing for it are free again."""
    current = call or fresh
    if current.state is CallState.ENDED:
        return Move(None, {}, Ended(repeated=True, offered=current.targets))
    changed: dict[int, AgentState] = {}
    for agent_id, state in agents.items():
        after = presence.end_call(state, current.call_id, now, wrap_up_s)
        if after != state.effective(now):
            changed[agent_id] = after
    wrap = next((s for s in changed.values() if s.status is PresenceStatus.WRAP_UP), None)
    released = tuple(a for a, s in changed.items() if s.status is PresenceStatus.AVAILABLE)
    ended = replace(current, state=CallState.ENDED, ring_until=None, last_seen=now)
    return Move(ended, changed, Ended(wrap, released, current.targets))


def set_status(agents: Agents, agent_id: int, status: str, reason: str | None, now: datetime,
               reasons: tuple[str, ...]) -> Move[AgentState]:
    """Apply an agent's own presence choice; the result is the state it replaces (as it was at ``now``)."""
    before = agents[agent_id].effective(now)
    after = presence.set_by_agent(agents[agent_id], status, reason, now, reasons)
    return Move(None, {agent_id: after} if after != agents[agent_id] else {}, before)


def settle(agents: Agents, agent_id: int, now: datetime) -> Move[AgentState]:
    """Store an agent's effective state (a finished wrap-up becomes availability)."""
    current = agents[agent_id].effective(now)
    return Move(None, {agent_id: current} if current != agents[agent_id] else {}, current)


def _release_all(call: CallRouting, agents: Agents, now: datetime,
                 keep: int | None = None) -> dict[int, AgentState]:
    changed = {}
    for agent_id, state in agents.items():
        if agent_id == keep or state.call_id != call.call_id:
            continue
        after = presence.release(state, call.call_id, now)
        if after.status is not state.status or after.call_id != state.call_id:
            changed[agent_id] = after
    return changed
