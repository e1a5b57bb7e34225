"""Writing routing changes to the database: agents' last known presence, its log, the calls' routing rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from callcenter.domain.call_records import CallRouting
from callcenter.domain.presence import AgentState, log_entries
from callcenter.services.routing_ports import Applied, RoutingUnitOfWork


def persist(uow: RoutingUnitOfWork, changes: Iterable[Applied[Any]], now: datetime) -> None:
    """Copy the changes the shared state made (and the database has not) into the open transaction."""
    for applied in changes:
        if not applied.persisted:
            write(uow, applied.call, applied.agents, applied.before, now)


def write(uow: RoutingUnitOfWork, call: CallRouting | None, after: dict[int, AgentState],
          before: dict[int, AgentState], now: datetime) -> None:
    """Store new agent states with their log entries and the call's routing state."""
    if after:
        uow.presence.save(after.values(), now)
        uow.presence.log([entry for agent_id, state in after.items()
                          for entry in log_entries(before.get(agent_id), state, now)])
    if call is not None:
        uow.call_records.save_routing(call)
