"""Call records with routing rows and legs (``uow.call_records``); CTI request ids (``uow.cti_requests``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from callcenter.db.models.routing import CallRoutingRow
from callcenter.db.queries import call_records as q
from callcenter.db.repositories.calls import DIRECTIONS
from callcenter.domain.call_events import LegOutcome
from callcenter.domain.call_records import CallRecord, CallRouting, CallState, Leg
from callcenter.domain.errors import Conflict
from callcenter.services.routing_ports import CallCounts, Claim, JsonDict

_CALL_FIELDS = ("from_number", "to_number", "started_at", "contact_id", "answered_at", "ended_at",
                "agent_user_id", "outcome", "question_id")
_ROUTING_FIELDS = ("language", "announced", "out_of_hours", "test", "hangup_cause", "round", "ring_until",
                   "last_seen")


class CallRecordRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, call_id: str, *, for_update: bool = False) -> CallRecord | None:
        found = q.call_with_routing(self._session, call_id, for_update=for_update)
        return None if found is None else to_record(found)

    def add(self, record: CallRecord) -> CallRecord:
        self._session.flush()  # rows changed through the session first: the inserts come after them
        inserted = q.insert_new_call(self._session, {"call_id": record.call_id, **_call_values(record)},
                                     {"call_id": record.call_id, **_routing_values(record)})
        if not inserted:  # its first two events came at once
            raise Conflict(f"The call {record.call_id!r} is already recorded.", {"call_id": "taken"})
        return record

    def adds_in_one_statement(self) -> bool:
        return q.calls_in_one_statement(self._session)

    def save(self, record: CallRecord) -> None:
        saved = q.save_call(self._session, record.call_id, _call_values(record), _routing_values(record))
        assert saved, "save() is only called with a recorded call"

    def save_routing(self, routing: CallRouting) -> None:
        # A call the CRM recorded by hand has no routing row: nothing routes it, nothing is updated.
        values, last_seen, language = _routing_columns(routing)
        q.update_routing(self._session, routing.call_id, values, last_seen=last_seen, language=language)

    def queued(self, stale_before: datetime) -> list[CallRouting]:
        return [_routing(r[0], r.started_at, r.from_number, r.agent_user_id)
                for r in q.queued_calls(self._session, stale_before)]

    def add_legs(self, legs: Sequence[Leg]) -> None:
        if legs:  # a leg recorded already, here or by another node at the same moment, is left alone
            q.add_legs_once(self._session, [
                {"call_id": leg.call_id, "agent_id": leg.agent_id, "round": leg.round, "rang_at": leg.rang_at,
                 "ended_at": leg.ended_at, "outcome": leg.outcome.value} for leg in legs])

    def end_legs(self, call_id: str, agent_ids: Sequence[int] | None, outcome: LegOutcome,
                 at: datetime) -> None:
        q.end_ringing_legs(self._session, call_id, agent_ids, outcome.value, at)

    def hold(self, call_id: str) -> None:
        q.lock_call(self._session, call_id)

    def end_legs_if_call_ended(self, call_id: str, outcome: LegOutcome) -> None:
        q.end_legs_if_call_ended(self._session, call_id, outcome.value)

    def answer_leg(self, call_id: str, agent_id: int, round_: int, at: datetime) -> None:
        if q.answer_ringing_leg(self._session, call_id, agent_id):
            return
        if not q.agent_has_leg(self._session, call_id, agent_id):  # answered where we did not ring
            self.add_legs([Leg(call_id, agent_id, max(round_, 1), at, LegOutcome.ANSWERED)])

    def legs(self, call_id: str) -> list[Leg]:
        return [Leg(r.call_id, r.agent_id, r.round, r.rang_at, LegOutcome(r.outcome), r.ended_at)
                for r in q.legs_of_call(self._session, call_id)]

    def counts(self, start: datetime, end: datetime, answer_target_s: int) -> CallCounts:
        closed, answered, in_time, abandoned, busy = q.call_counts_between(self._session, start, end,
                                                                          answer_target_s)
        return CallCounts(int(answered), int(in_time), int(abandoned), int(busy), int(closed))


class CtiRequestRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def claim(self, kind: str, key: str, at: datetime, *, call_id: str | None = None,
              new_call: CallRecord | None = None) -> Claim:
        if call_id is not None:
            recorded = False
            if new_call is not None:
                assert new_call.call_id == call_id and q.calls_in_one_statement(self._session)
                claimed, prior, call, recorded = q.claim_cti_request_recording_call(
                    self._session, kind, key, at, {"call_id": call_id, **_call_values(new_call)},
                    {"call_id": call_id, **_routing_values(new_call)})
            else:
                claimed, prior, call = q.claim_cti_request_reading_call(self._session, kind, key, at, call_id)
            record = None if call is None else to_record(call)
            if claimed or prior is None:  # a claim not committed yet is one without answer
                return Claim(claimed, call=record, recorded=recorded)
            return Claim(False, prior.response, prior.received_at, call=record)
        if q.claim_cti_request(self._session, kind, key, at):
            return Claim(True)
        row = q.cti_request(self._session, kind, key)
        assert row is not None, "a unique key that conflicts exists"
        return Claim(False, row.response, row.received_at)

    def take_over(self, kind: str, key: str, at: datetime, claimed_before: datetime) -> bool:
        return q.reclaim_cti_request(self._session, kind, key, at, claimed_before)

    def answer(self, kind: str, key: str, response: JsonDict, *,
               routing: Sequence[CallRouting] = ()) -> None:
        if len(routing) == 1:
            values, last_seen, language = _routing_columns(routing[0])
            q.answer_cti_request_with_routing(self._session, kind, key, response, routing[0].call_id, values,
                                              last_seen=last_seen, language=language)
            return
        records = CallRecordRepository(self._session)
        for call in routing:
            records.save_routing(call)
        q.answer_cti_request(self._session, kind, key, response)

    def find(self, kind: str, key: str) -> Claim | None:
        row = q.cti_request(self._session, kind, key)
        return None if row is None else Claim(False, row.response, row.received_at)

    def release(self, kind: str, key: str) -> None:
        q.forget_unanswered_cti_request(self._session, kind, key)

    def prune(self, before: datetime) -> int:
        return q.prune_cti_requests(self._session, before)


def _call_values(record: CallRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in _CALL_FIELDS} | {"direction": record.direction.value}


def _routing_values(record: CallRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in _ROUTING_FIELDS} | {
        "last_seen": record.last_seen or record.started_at, "state": record.state.value,
        "targets": _ids(record.targets)}


def _routing_columns(routing: CallRouting) -> tuple[dict[str, Any], datetime | None, str | None]:
    """Return what queries.call_records.update_routing sets for a routing state: columns, seen, language
    (its arguments; the statement itself is that module's _routing_update)."""
    values = {"state": routing.state.value, "round": routing.round, "targets": _ids(routing.targets),
              "ring_until": routing.ring_until}
    return values, routing.last_seen, routing.language


def to_record(row: Row[Any]) -> CallRecord:
    """Build a call's record from its row of queries.call_records.call_with_routing."""
    record = CallRecord(row.call_id, row.from_number, row.to_number, DIRECTIONS[row.direction],
                        row.started_at, row.contact_id, row.answered_at, row.ended_at, row.agent_user_id,
                        row.outcome, row.question_id, row.question_number)
    if row.r_call_id is None:
        return record
    return replace(record, **{name: getattr(row, f"r_{name}") for name in _ROUTING_FIELDS},
                   state=_STATES[row.r_state], targets=_parse_ids(row.r_targets))


_STATES = {member.value: member for member in CallState}


def _routing(row: CallRoutingRow, arrived: datetime, caller: str, answered_by: int | None) -> CallRouting:
    return CallRouting(row.call_id, row.language, arrived, CallState(row.state), row.round,
                       _parse_ids(row.targets), row.ring_until, row.last_seen, answered_by, caller)


def _ids(ids: Sequence[int]) -> str:
    return " ".join(str(i) for i in ids)


def _parse_ids(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split())

