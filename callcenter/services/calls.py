"""Calls use cases for the CRM: record a finished call, find one by its telephony id."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from callcenter.domain.calls import Call, Direction, NoSuchCall
from callcenter.domain.errors import InvalidInput, RuleViolation
from callcenter.domain.phone import normalise_phone
from callcenter.domain.questions import parse_choice
from callcenter.domain.validation import (
    Problems,
    aware_datetime,
    optional_aware_datetime,
    optional_id,
    optional_text,
    required_text,
)
from callcenter.services.crm_ports import CrmUnitOfWork, CrmUowFactory


@dataclass(frozen=True)
class FinishedCall:
    """A call as the telephony side reports it once it ended."""

    call_id: str
    from_number: str
    to_number: str
    direction: str
    started_at: datetime
    ended_at: datetime
    answered_at: datetime | None = None
    agent_user_id: int | None = None
    outcome: str | None = None  # answered, missed, abandoned, voicemail… as the telephony side names it
    contact_id: int | None = None  # None: found from the outside number when exactly one contact has it


class CallService:
    def __init__(self, uow: CrmUowFactory) -> None:
        self._uow = uow

    def record_finished(self, cmd: FinishedCall) -> Call:
        """Store a finished call, or complete the row of a call already known by its id."""
        call = _clean(cmd)
        with self._uow() as uow:
            contact_id = _contact_for(uow, call)
            existing = uow.calls.by_call_id(call.call_id)
            if existing is None:
                stored = uow.calls.add(replace(call, contact_id=contact_id))
            else:
                stored = replace(existing, answered_at=call.answered_at, ended_at=call.ended_at,
                                 agent_user_id=call.agent_user_id or existing.agent_user_id,
                                 outcome=call.outcome, contact_id=existing.contact_id or contact_id)
                uow.calls.save(stored)
            uow.commit()
        return stored

    def get(self, call_id: str) -> Call:
        """Return a call by its telephony id, or raise NoSuchCall."""
        with self._uow() as uow:
            call = uow.calls.by_call_id(str(call_id))
        if call is None:
            raise NoSuchCall(f"There is no call {call_id!r}.")
        return call


def _clean(cmd: FinishedCall) -> Call:
    problems = Problems()
    call_id = problems.check(required_text, cmd.call_id, "call_id", max_length=100)
    direction = problems.check(parse_choice, Direction, cmd.direction, "direction")
    from_number = problems.check(_number, cmd.from_number, "from_number")
    to_number = problems.check(_number, cmd.to_number, "to_number")
    problems.check(aware_datetime, cmd.started_at, "started_at")
    problems.check(aware_datetime, cmd.ended_at, "ended_at")
    problems.check(optional_aware_datetime, cmd.answered_at, "answered_at")
    agent = problems.check(optional_id, cmd.agent_user_id, "agent_user_id")
    contact_id = problems.check(optional_id, cmd.contact_id, "contact_id")
    outcome = problems.check(optional_text, cmd.outcome, "outcome", max_length=30)
    problems.raise_if_any("call")
    assert call_id and direction and from_number and to_number
    _check_order(cmd.started_at, cmd.answered_at, cmd.ended_at)
    return Call(id=0, call_id=call_id, contact_id=contact_id, from_number=from_number, to_number=to_number,
                direction=direction, started_at=cmd.started_at, answered_at=cmd.answered_at,
                ended_at=cmd.ended_at, agent_user_id=agent, outcome=outcome, question_id=None)


def _number(raw: object, field: str) -> str:
    """Return the E.164 form, or the text as given for what is no number (anonymous, an extension)."""
    text = required_text(raw, field, max_length=32)
    try:
        return normalise_phone(text, field=field)
    except InvalidInput:
        return text


def _check_order(started: datetime, answered: datetime | None, ended: datetime) -> None:
    if ended < started or (answered is not None and not started <= answered <= ended):
        raise RuleViolation("A call is answered and ends after it starts.", {"ended_at": "before the start"})


def _contact_for(uow: CrmUnitOfWork, call: Call) -> int | None:
    """Return the given contact (checked), else the only contact with the outside number, else None."""
    if call.contact_id is not None:
        if uow.contacts.get(call.contact_id) is None:
            raise RuleViolation(f"There is no contact {call.contact_id}.", {"contact_id": "no such contact"})
        return call.contact_id
    owners = uow.contacts.with_number(call.other_party) if call.other_party.startswith("+") else []
    return owners[0] if len(owners) == 1 else None  # a shared number is not guessed
