"""Question use cases that combine several steps in one transaction (what the REST API offers).

Registering with a new contact, editing several fields, recording an event and reading the result:
each runs the question and contact use cases on one joined unit of work, so a failing step leaves
nothing behind (no contact without its question, no subject changed when the track switch fails).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from callcenter.domain.edits import KEEP, Keep, edits_nothing, pick
from callcenter.domain.errors import DomainError, InvalidInput
from callcenter.domain.questions import Actor, EventKind, Question, QuestionEvent
from callcenter.services.contacts import ContactIn, ContactService
from callcenter.services.crm_ports import CrmUnitOfWork, CrmUowFactory
from callcenter.services.joined_uow import joined
from callcenter.services.questions import QuestionService, RegisterQuestion

T = TypeVar("T")

# What an agent or an integration may add to a history by hand (the other kinds come with a change).
RECORDABLE_KINDS = (EventKind.NOTE, EventKind.REMINDER, EventKind.CALL_LINKED, EventKind.FAQ_FLAGGED)


@dataclass(frozen=True)
class NewQuestion:
    """A question for an existing contact (``question.contact_id``) or for one to create (``contact``)."""

    question: RegisterQuestion
    contact: ContactIn | None = None


@dataclass(frozen=True)
class QuestionEdit:
    """Fields to change; KEEP leaves one as it is, None clears the topic, the subject or the owner."""

    topic: str | None | Keep = KEEP
    subject: str | None | Keep = KEEP
    owner_user_id: int | None | Keep = KEEP
    track: str | Keep = KEEP
    reason: str | None = None  # why the track changes, kept in the history


@dataclass(frozen=True)
class EventIn:
    """An event of RECORDABLE_KINDS: a note or reminder (``text``), a call (``call_id``), a FAQ flag."""

    kind: str
    text: str | None = None
    call_id: str | None = None
    needed: bool = True


@dataclass(frozen=True)
class QuestionDetail:
    question: Question
    history: list[QuestionEvent]


class QuestionDesk:
    def __init__(self, uow: CrmUowFactory, questions: Callable[[CrmUowFactory], QuestionService],
                 contacts: Callable[[CrmUowFactory], ContactService]) -> None:
        self._uow = uow
        self._questions = questions
        self._contacts = contacts

    def register(self, cmd: NewQuestion, by: Actor) -> Question:
        """Register a question, first creating its contact when one is given inline."""
        _check_one_contact(cmd)
        with self._uow() as uow:
            question = self._register(uow, cmd, by)
            uow.commit()
        return question

    def detail(self, reg_no: str) -> QuestionDetail:
        """Return a question with its history, read in one transaction."""
        with self._uow() as uow:
            questions = self._questions(joined(uow))
            return QuestionDetail(questions.get(reg_no), questions.history(reg_no))

    def edit(self, reg_no: str, edit: QuestionEdit, by: Actor) -> Question:
        """Change the subject, owner and track of a question together; unchanged fields write no event."""
        if edits_nothing(edit.topic, edit.subject, edit.owner_user_id, edit.track):
            raise InvalidInput("Say what to change: topic, subject, owner_user_id or track.",
                               {"body": "nothing to change"})
        with self._uow() as uow:
            questions = self._questions(joined(uow))
            question = questions.get(reg_no)
            topic, subject = pick(edit.topic, question.topic_code), pick(edit.subject, question.subject)
            if (topic, subject) != (question.topic_code, question.subject):
                question = questions.update_subject(reg_no, topic, subject, by)
            if edit.owner_user_id is not KEEP:
                question = questions.assign_owner(reg_no, edit.owner_user_id, by)
            if edit.track is not KEEP and edit.track != question.track.value:
                question = questions.switch_track(reg_no, edit.track, by, edit.reason)
            uow.commit()
        return question

    def record(self, reg_no: str, event: EventIn, by: Actor) -> QuestionDetail:
        """Add a note, a reminder, a linked call or a FAQ flag; return the question with its history."""
        with self._uow() as uow:
            questions = self._questions(joined(uow))
            _record(questions, reg_no, event, by)
            detail = QuestionDetail(questions.get(reg_no), questions.history(reg_no))
            uow.commit()
        return detail

    def _register(self, uow: CrmUnitOfWork, cmd: NewQuestion, by: Actor) -> Question:
        questions = self._questions(joined(uow))
        new_contact = cmd.contact
        if new_contact is None:
            return questions.register(cmd.question, by)
        # Problems of the inline contact are named as the request named them: contact.<field>.
        contact_id = _renamed(lambda: self._contacts(joined(uow)).create(new_contact).id,
                              lambda name: f"contact.{name}")
        registration = replace(cmd.question, contact_id=contact_id)
        return _renamed(lambda: questions.register(registration, by),
                        lambda name: "contact" if name == "contact_id" else name)


def _renamed(step: Callable[[], T], rename: Callable[[str], str]) -> T:
    """Run ``step``; re-raise its domain error with each field renamed by ``rename``."""
    try:
        return step()
    except DomainError as exc:
        raise type(exc)(exc.message, {rename(name): p for name, p in exc.fields.items()}) from exc


def _check_one_contact(cmd: NewQuestion) -> None:
    has_id = cmd.question.contact_id is not None and cmd.question.contact_id != 0
    if has_id and cmd.contact is not None:
        raise InvalidInput("Give either contact_id or contact, not both.", {"contact": "not with contact_id"})
    if not has_id and cmd.contact is None:
        raise InvalidInput("Say who asked: contact_id or contact.", {"contact_id": "required"})


def _record(questions: QuestionService, reg_no: str, event: EventIn, by: Actor) -> None:
    kind = event.kind
    if kind == EventKind.NOTE:
        questions.add_note(reg_no, event.text or "", by)
    elif kind == EventKind.REMINDER:
        questions.record_event(reg_no, EventKind.REMINDER, by, {"text": event.text} if event.text else {})
    elif kind == EventKind.CALL_LINKED:
        if not event.call_id:
            raise InvalidInput("Say which call: call_id.", {"call_id": "required"})
        questions.link_call(reg_no, event.call_id, by)
    elif kind == EventKind.FAQ_FLAGGED:
        questions.flag_faq(reg_no, by, event.needed)
    else:
        choices = ", ".join(RECORDABLE_KINDS)
        raise InvalidInput(f"'{kind}' is not one of {choices}.", {"kind": f"one of {choices}"})
