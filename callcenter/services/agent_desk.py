"""What the agent panel does around a call that the CRM use cases do not combine by themselves.

Registering a question from the panel links it to the call in the same transaction (with the caller
created inline when the number was unknown), so the panel never leaves a question without its call.
A delay notice typed in the panel names a day; the answer is then due when the office closes that day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from callcenter.domain.errors import InvalidInput, RuleViolation
from callcenter.domain.questions import Actor, Question
from callcenter.domain.validation import required_text
from callcenter.services.contacts import ContactService
from callcenter.services.crm_ports import CrmUowFactory
from callcenter.services.joined_uow import joined
from callcenter.services.question_desk import NewQuestion, QuestionDesk
from callcenter.services.questions import QuestionService


class OfficeClosing(Protocol):
    def closing_on(self, day: date) -> datetime | None:
        """Return when the office closes on ``day`` (aware), or None if it is not a working day."""
        ...


class DelayNotifier(Protocol):
    def notify_delay(self, reg_no: str, new_due: datetime, reason: str, by: Actor) -> object: ...


class AgentDesk:
    def __init__(self, uow: CrmUowFactory, questions: Callable[[CrmUowFactory], QuestionService],
                 contacts: Callable[[CrmUowFactory], ContactService], office: OfficeClosing,
                 delays: Callable[[], DelayNotifier]) -> None:
        self._uow = uow
        self._questions = questions
        self._contacts = contacts
        self._office = office
        self._delays = delays  # a provider: the workflows feature is built after this one

    def register_for_call(self, cmd: NewQuestion, call_id: str, by: Actor) -> Question:
        """Register a question (and its new caller, if given) and link the call to it, all or nothing."""
        call = required_text(call_id, "call_id", max_length=100)
        with self._uow() as uow:
            question = QuestionDesk(joined(uow), self._questions, self._contacts).register(cmd, by)
            self._questions(joined(uow)).link_call(question.registration_number, call, by)
            uow.commit()
        return question

    def delay_until(self, reg_no: str, day: object, reason: str, by: Actor) -> None:
        """Send a delay notice announcing the answer by the close of office on ``day`` (a working day)."""
        if not isinstance(day, date):
            raise InvalidInput("Give the new date as YYYY-MM-DD.", {"due_day": "a date"})
        closing = self._office.closing_on(day)
        if closing is None:
            raise RuleViolation(f"{day.isoformat()} is not a working day: choose another.",
                                {"due_day": "not a working day"})
        self._delays().notify_delay(reg_no, closing, reason, by)
