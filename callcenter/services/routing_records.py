"""Writing routing changes to the database: agents' last known presence, its log, the calls' routing rows.

The changes of one request are written together: each agent's final state in one statement, every
transition in the log in one statement, each call's final routing state once, whatever the number of
changes the shared state made (a route request makes two: the call enters the queue, then rings).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from callcenter.domain.call_records import CallRouting
from callcenter.domain.presence import AgentState, log_entries
from callcenter.services.routing_ports import Applied, RoutingUnitOfWork


def persist(uow: RoutingUnitOfWork, changes: Iterable[Applied[Any]], now: datetime) -> None:
    """Copy the changes the shared state made (and the database has not) into the open transaction."""
    changes = [applied for applied in changes if not applied.persisted]
    after: dict[int, AgentState] = {}
    entries: list[AgentState] = []
    for applied in changes:
        for agent_id, state in applied.agents.items():
            entries.extend(log_entries(applied.before.get(agent_id), state, now))
            after[agent_id] = state
    _store(uow, after, entries, routing_rows(changes), now)


def routing_rows(changes: Iterable[Applied[Any]]) -> list[CallRouting]:
    """Return what the changes leave in calls' routing rows (one state per call) that the database
    has not stored yet."""
    calls: dict[str, CallRouting] = {}
    for applied in changes:
        if applied.call is not None and not applied.persisted:
            calls[applied.call.call_id] = _merged(calls.get(applied.call.call_id), applied.call)
    return list(calls.values())


def write(uow: RoutingUnitOfWork, call: CallRouting | None, after: dict[int, AgentState],
          before: dict[int, AgentState], now: datetime) -> None:
    """Store new agent states with their log entries and the call's routing state."""
    entries = [entry for agent_id, state in after.items()
               for entry in log_entries(before.get(agent_id), state, now)]
    _store(uow, after, entries, [call] if call is not None else [], now)


def _store(uow: RoutingUnitOfWork, after: dict[int, AgentState], entries: list[AgentState],
           calls: Iterable[CallRouting], now: datetime) -> None:
    if after:
        uow.presence.save(after.values(), now)
        uow.presence.log(entries)
    for call in calls:
        uow.call_records.save_routing(call)


def _merged(earlier: CallRouting | None, later: CallRouting) -> CallRouting:
    """Return what writing ``earlier`` then ``later`` to the call's routing row would leave there."""
    if earlier is None:
        return later
    return replace(later, last_seen=later.last_seen or earlier.last_seen,
                   language=earlier.language or later.language)
