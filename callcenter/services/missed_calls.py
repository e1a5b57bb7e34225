"""A caller who heard "busy" becomes a question to call back, with the standard working-day deadline.

Only when the number is known (not withheld): the question goes to the contact who gave that number,
or to a contact created for it (named after the number, in the caller's language, in the organisation
whose switchboard it is). The call is linked to the question; doing it again for the same call returns
the same question.
"""

from __future__ import annotations

from collections.abc import Callable

from callcenter.domain.announcements import MISSED_CALL_SUBJECT, UNKNOWN_CALLER_NAME
from callcenter.domain.call_records import CallRecord
from callcenter.domain.phone import format_phone
from callcenter.domain.questions import SYSTEM
from callcenter.services.contacts import ContactIn, ContactService
from callcenter.services.crm_ports import CrmUnitOfWork, CrmUowFactory
from callcenter.services.joined_uow import joined
from callcenter.services.question_desk import NewQuestion, QuestionDesk
from callcenter.services.questions import QuestionService, RegisterQuestion


class MissedCalls:
    def __init__(self, uow: CrmUowFactory, questions: Callable[[CrmUowFactory], QuestionService],
                 contacts: Callable[[CrmUowFactory], ContactService]) -> None:
        self._uow = uow
        self._questions = questions
        self._contacts = contacts

    def register_callback(self, record: CallRecord, language: str) -> str | None:
        """Register the callback question of a missed call; None when the number is withheld."""
        if not record.from_number.startswith("+"):
            return None
        with self._uow() as uow:
            call = uow.calls.by_call_id(record.call_id)
            if call is not None and call.question_registration_number:
                return call.question_registration_number
            subject = MISSED_CALL_SUBJECT.get(language, MISSED_CALL_SUBJECT["en"])
            registration = RegisterQuestion(contact_id=record.contact_id or 0, channel="phone",
                                            subject=subject, received_at=record.started_at)
            contact = None if record.contact_id else _new_contact(uow, record.from_number, language)
            desk = QuestionDesk(joined(uow), self._questions, self._contacts)
            question = desk.register(NewQuestion(registration, contact), by=SYSTEM)
            self._questions(joined(uow)).link_call(question.registration_number, record.call_id, SYSTEM)
            uow.commit()
        return question.registration_number


def _new_contact(uow: CrmUnitOfWork, number: str, language: str) -> ContactIn:
    boards = uow.contacts.match_number(number, 1).switchboards
    name = UNKNOWN_CALLER_NAME.get(language, UNKNOWN_CALLER_NAME["en"]).format(number=format_phone(number))
    return ContactIn(name, (number,), None, language, boards[0].id if len(boards) == 1 else None)
