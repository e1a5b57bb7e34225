"""The routing state from the database's last known copy: what routing runs on while Redis is unreachable.

Same contract as the Redis store: a change locks the call's row and the agents' presence rows (in
agent-id order, so concurrent deciders cannot deadlock), decides, and writes the agents' states, their
log and the call's routing row in one transaction. Without Redis the queue is the calls' routing
rows, so callers are still served first-come-first-served and no agent is offered two calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from callcenter.domain.call_records import CallRouting
from callcenter.domain.presence import AgentState, offline
from callcenter.services.routing_ports import Applied, ChangeFn, RoutingUowFactory, Snapshot
from callcenter.services.routing_records import write

T = TypeVar("T")


class DatabaseRoutingStore:
    def __init__(self, uow: RoutingUowFactory) -> None:
        self._uow = uow

    def snapshot(self, stale_before: datetime, now: datetime) -> Snapshot:
        with self._uow() as uow:
            agents = uow.presence.current()
            calls = {call.call_id: call for call in uow.call_records.queued(stale_before)}
        return Snapshot(agents, calls)

    def snapshot_ahead(self, stale_before: datetime, now: datetime, call_id: str) -> None:
        """No read ahead here: a change reads (and locks) its rows whatever the caller knows."""
        return None

    def agents(self, agent_ids: Sequence[int] | None, now: datetime) -> dict[int, AgentState]:
        with self._uow() as uow:
            found = uow.presence.current(agent_ids)
        if agent_ids is None:
            return found
        return {agent_id: found.get(agent_id) or offline(agent_id, now) for agent_id in agent_ids}

    def change(self, call_id: str | None, agent_ids: Iterable[int], fn: ChangeFn[T],
               now: datetime, *, snapshot_stale_before: datetime | None = None,
               on: Snapshot | None = None, new_call: bool = False) -> Applied[T]:
        """See RoutingStore.change; no snapshot comes with it here (``snapshot`` is as cheap), and it
        always reads (locking the rows), whatever the caller knows."""
        with self._uow() as uow:
            record = uow.call_records.get(call_id, for_update=True) if call_id is not None else None
            call = record.routing if record is not None else None
            ids = sorted(set(agent_ids) | (call.involved() if call else set()))
            stored = uow.presence.current(ids, for_update=True)
            states = {agent_id: stored.get(agent_id) or offline(agent_id, now) for agent_id in ids}
            move = fn(call, states)
            before = {agent_id: states[agent_id] for agent_id in move.agents}
            write(uow, move.call, dict(move.agents), before, now)
            uow.commit()
        return Applied(move.call, dict(move.agents), before, move.result, persisted=True)

    def ping(self) -> None:
        """The database is always there for the fallback (without it nothing works anyway)."""

    def changed_since(self, at: datetime,
                      stale_before: datetime) -> tuple[list[AgentState], list[CallRouting]]:
        """Return the agents changed since ``at`` and the calls still queued (to put back into Redis)."""
        with self._uow() as uow:
            return uow.presence.updated_since(at), uow.call_records.queued(stale_before)
