"""JSON-ready renderings of call records and their legs (the API's GET /api/v1/calls/<call_id>)."""

from __future__ import annotations

from callcenter.domain.call_records import CallRecord, Leg
from callcenter.services.crm_ports import iso
from callcenter.services.routing_ports import JsonDict


def record_dict(record: CallRecord, legs: list[Leg]) -> JsonDict:
    return {
        "call_id": record.call_id,
        "direction": record.direction.value,
        "from": record.from_number,
        "to": record.to_number,
        "contact_id": record.contact_id,
        "language": record.language,
        "started_at": iso(record.started_at),
        "answered_at": iso(record.answered_at),
        "ended_at": iso(record.ended_at),
        "agent_id": record.agent_user_id,
        "outcome": record.outcome,
        "question": record.question_number,
        "announced": record.announced,
        "out_of_hours": record.out_of_hours,
        "test": record.test,
        "hangup_cause": record.hangup_cause,
        "legs": [leg_dict(leg) for leg in legs],
    }


def leg_dict(leg: Leg) -> JsonDict:
    return {"agent_id": leg.agent_id, "round": leg.round, "rang_at": iso(leg.rang_at),
            "ended_at": iso(leg.ended_at), "outcome": leg.outcome.value}
