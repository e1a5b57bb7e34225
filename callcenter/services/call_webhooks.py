"""The webhook events of a call: call.ringing, call.answered, call.ended, read off a step's effects.

Each data object starts with the call as the CRM records it (webhooks/schemas/event_call_*.json).
"""

from __future__ import annotations

from typing import Any

from callcenter.domain.call_records import CallRecord
from callcenter.domain.webhooks import CALL_ANSWERED, CALL_ENDED, CALL_RINGING, OutboundEvent
from callcenter.services.call_effects import Effects
from callcenter.services.crm_ports import iso
from callcenter.services.routing_ports import RoutingUnitOfWork


def call_event_types(effects: Effects) -> list[str]:
    """Return the types of the events call_webhook_events would return for this step (without reading)."""
    return [event_type for event_type, present in ((CALL_RINGING, effects.pops),
                                                  (CALL_ANSWERED, effects.answered is not None),
                                                  (CALL_ENDED, effects.ended is not None)) if present]


def call_webhook_events(uow: RoutingUnitOfWork, call_id: str, effects: Effects) -> list[OutboundEvent]:
    """Return the events other systems may hear of after this step of the call (often none)."""
    if not (effects.pops or effects.answered or effects.ended):
        return []
    record = uow.call_records.get(call_id)
    if record is None:
        return []
    call = call_data(record)
    events = [OutboundEvent(CALL_RINGING, {**call, "round": pop.round, "agent_ids": sorted(pop.agents)})
              for pop in effects.pops]
    if effects.answered is not None:
        offered, _ = effects.answered  # the winner is the record's agent_id
        events.append(OutboundEvent(CALL_ANSWERED, {**call, "offered_agent_ids": sorted(offered)}))
    if effects.ended is not None:
        involved, cause, outcome = effects.ended
        events.append(OutboundEvent(CALL_ENDED, {
            **call, "cause": cause, "outcome": outcome, "announced": record.announced,
            "out_of_hours": record.out_of_hours, "question": record.question_number,
            "agent_ids": sorted(involved)}))
    return events


def call_data(record: CallRecord) -> dict[str, Any]:
    return {"call_id": record.call_id, "direction": record.direction.value, "from": record.from_number,
            "to": record.to_number, "language": record.language, "contact_id": record.contact_id,
            "started_at": iso(record.started_at), "answered_at": iso(record.answered_at),
            "ended_at": iso(record.ended_at), "agent_id": record.agent_user_id, "test": record.test}
