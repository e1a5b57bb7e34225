"""The call repository (``uow.calls``): the CRM's record of calls, for the screen-pop's "last calls"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.db.models.crm import CallRow
from callcenter.db.queries import calls as q
from callcenter.domain.calls import Call, Direction
from callcenter.domain.errors import Conflict
from callcenter.services.crm_ports import LastCalls

_FIELDS = ("call_id", "contact_id", "from_number", "to_number", "started_at", "answered_at", "ended_at",
           "agent_user_id", "outcome", "question_id")


class CallRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def by_call_id(self, call_id: str) -> Call | None:
        found = q.call_by_call_id(self._session, call_id)
        return None if found is None else to_call(*found)

    def add(self, call: Call) -> Call:
        row = CallRow(direction=call.direction.value, **{name: getattr(call, name) for name in _FIELDS})
        try:
            with self._session.begin_nested():
                self._session.add(row)
                self._session.flush()
        except IntegrityError as exc:  # the same call reported twice at the same moment
            raise Conflict(f"The call {call.call_id!r} is already recorded.", {"call_id": "taken"}) from exc
        return to_call(row, call.question_registration_number)

    def save(self, call: Call) -> None:
        row = self._session.get(CallRow, call.id)
        assert row is not None, "save() is only called with a call read in this transaction"
        for name in _FIELDS:
            setattr(row, name, getattr(call, name))
        row.direction = call.direction.value
        self._session.flush()

    def last_calls(self, contact_ids: Sequence[int], per_contact: int,
                   number: str | None = None) -> LastCalls:
        calls = [to_call(row, row.question_number)
                 for row in q.last_calls(self._session, contact_ids, per_contact, number)]
        # A call read for one list may belong to the other too, but then it is older than what that
        # list read for itself: the first ones of each list are exactly its own.
        of_contacts = {cid: [c for c in calls if c.contact_id == cid][:per_contact] for cid in contact_ids}
        from_number = [c for c in calls if c.from_number == number and c.ended_at is not None]
        return LastCalls(of_contacts, from_number[:per_contact])


DIRECTIONS = {member.value: member for member in Direction}  # cheaper than calling the Enum


def to_call(row: CallRow | Row[Any], question_registration_number: str | None) -> Call:
    return Call(id=row.id, call_id=row.call_id, contact_id=row.contact_id, from_number=row.from_number,
                to_number=row.to_number, direction=DIRECTIONS[row.direction], started_at=row.started_at,
                answered_at=row.answered_at, ended_at=row.ended_at, agent_user_id=row.agent_user_id,
                outcome=row.outcome, question_id=row.question_id,
                question_registration_number=question_registration_number)
