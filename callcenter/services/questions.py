"""Questions use cases: register with a registration number, read, edit, link calls, frequent subjects."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from callcenter.domain.calls import NoSuchCall
from callcenter.domain.errors import Conflict, InvalidInput, RuleViolation
from callcenter.domain.questions import (
    Actor,
    Channel,
    EventKind,
    NoSuchQuestion,
    Question,
    QuestionEvent,
    QuestionType,
    Status,
    Track,
    actor_user_id,
    parse_choice,
    reply_channel_for,
)
from callcenter.domain.registration import (
    RegistrationNumberTaken,
    new_registration_number,
    parse_registration_number,
)
from callcenter.domain.topics import Topic, clean_topic_code
from callcenter.domain.validation import (
    Problems,
    aware_datetime,
    optional_aware_datetime,
    optional_id,
    optional_text,
)
from callcenter.services.crm_ports import (
    CoordinatorDirectory,
    CrmUnitOfWork,
    CrmUowFactory,
    JsonDict,
    WorkingCalendar,
    iso,
)
from callcenter.services.crm_views import topic_dict
from callcenter.services.ports import Clock
from callcenter.services.question_changes import QuestionChanges
from callcenter.services.question_webhooks import question_created
from callcenter.services.webhook_ports import NO_OUTBOUND_EVENTS, OutboundEvents

SUBJECT_MAX = 500
MAX_DRAWS = 10  # ten collisions in a row among 10^8 numbers a year means a broken random source


@dataclass(frozen=True)
class RegisterQuestion:
    """A question as an agent registers it; ``topic`` is a topic code, ``subject`` free text."""

    contact_id: int
    channel: str
    topic: str | None = None
    subject: str | None = None
    type: str = "question"
    track: str = "standard"
    received_at: datetime | None = None  # None: now; letters and e-mails may have come in earlier
    owner_user_id: int | None = None


@dataclass(frozen=True)
class _Registration:
    contact_id: int
    channel: Channel
    topic: str | None
    subject: str
    type: QuestionType
    track: Track
    received_at: datetime | None
    owner_user_id: int | None


class QuestionService(QuestionChanges):
    def __init__(self, uow: CrmUowFactory, clock: Clock, calendar: WorkingCalendar,
                 coordinator: CoordinatorDirectory, tz: tzinfo,
                 draw: Callable[[int], int] = secrets.randbelow,
                 outbound: OutboundEvents = NO_OUTBOUND_EVENTS) -> None:
        super().__init__(uow, clock, calendar, outbound)
        self._coordinator = coordinator
        self._tz = tz
        self._draw = draw

    def register(self, cmd: RegisterQuestion, by: Actor) -> Question:
        """Register a question: reply channel, SLA due time, owner and a fresh registration number."""
        reg = _clean_registration(cmd)
        user = actor_user_id(by)
        now = self._clock.now()
        received = reg.received_at or now
        if received > now:
            raise RuleViolation("A question cannot be received in the future.",
                                {"received_at": "in the future"})
        due = self._calendar.deadline(received, reg.track.value).due
        with self._uow() as uow:
            _check_contact(uow, reg)
            topic = _active_topic(uow, reg.topic)
            draft = self._draft(reg, topic, received, due)
            question = self._add_with_fresh_number(uow, draft)
            payload = {"channel": reg.channel.value, "type": reg.type.value, "track": reg.track.value,
                       "due": iso(due), "owner_user_id": question.owner_user_id}
            event = QuestionEvent(EventKind.REGISTERED, now, user, payload)
            registered = uow.questions.append_event(question.id, event)
            self._outbound.emit(uow, question_created(question, registered))
            uow.commit()
        return question

    def get(self, reg_no: str) -> Question:
        """Return a question by its registration number (mistyped → 422, unknown → 404)."""
        number = str(parse_registration_number(reg_no))
        with self._uow() as uow:
            return _existing(uow, number)

    def history(self, reg_no: str) -> list[QuestionEvent]:
        """Return the question's history, oldest first."""
        number = str(parse_registration_number(reg_no))
        with self._uow() as uow:
            return uow.questions.history(_existing(uow, number).id)

    def update_subject(self, reg_no: str, topic: str | None, subject: str | None, by: Actor) -> Question:
        """Refile a question under another topic and/or free-text subject."""
        code, text = _clean_subject(topic, subject)
        user = actor_user_id(by)

        def change(q: Question, uow: CrmUnitOfWork, now: datetime) -> tuple[Question, list[QuestionEvent]]:
            q.ensure_not_closed()
            found = _active_topic(uow, code)
            updated = replace(q, topic_id=found.id if found else None, topic_code=code, subject=text)
            payload = {"from": {"topic": q.topic_code, "subject": q.subject},
                       "to": {"topic": code, "subject": text}}
            return updated, [QuestionEvent(EventKind.SUBJECT_CHANGED, now, user, payload)]

        return self._change(reg_no, change)[0]

    def assign_owner(self, reg_no: str, owner_user_id: int | None, by: Actor) -> Question:
        """Give the question to an agent (None: to nobody)."""
        owner = optional_id(owner_user_id, "owner_user_id")
        user = actor_user_id(by)

        def change(q: Question, uow: CrmUnitOfWork, now: datetime) -> tuple[Question, list[QuestionEvent]]:
            q.ensure_not_closed()
            if q.owner_user_id == owner:
                return q, []
            payload = {"from": q.owner_user_id, "to": owner}
            event = QuestionEvent(EventKind.OWNER_CHANGED, now, user, payload)
            return replace(q, owner_user_id=owner), [event]

        return self._change(reg_no, change)[0]

    def flag_faq(self, reg_no: str, by: Actor, needed: bool = True) -> Question:
        """Flag (or unflag) a question as showing that a FAQ entry is needed."""
        if not isinstance(needed, bool):
            raise InvalidInput("Say true or false.", {"needed": "true or false"})
        user = actor_user_id(by)

        def change(q: Question, uow: CrmUnitOfWork, now: datetime) -> tuple[Question, list[QuestionEvent]]:
            if q.faq_needed == needed:
                return q, []
            event = QuestionEvent(EventKind.FAQ_FLAGGED, now, user, {"needed": needed})
            return replace(q, faq_needed=needed), [event]

        return self._change(reg_no, change)[0]

    def link_call(self, reg_no: str, call_id: str, by: Actor) -> Question:
        """Link a recorded call to the question it was about (a call may touch several questions)."""
        user = actor_user_id(by)

        def change(q: Question, uow: CrmUnitOfWork, now: datetime) -> tuple[Question, list[QuestionEvent]]:
            call = uow.calls.by_call_id(str(call_id))
            if call is None:
                raise NoSuchCall(f"There is no call {call_id!r}.")
            if call.question_id == q.id:
                raise Conflict(f"The call is already linked to {q.registration_number}.",
                               {"call_id": "linked"})
            # The call keeps its first question; it learns its contact from the question if it had none.
            linked = replace(call, question_id=call.question_id or q.id,
                             contact_id=call.contact_id or q.contact_id)
            if linked != call:
                uow.calls.save(linked)
            payload = {"call_id": call.call_id, "started_at": iso(call.started_at)}
            return q, [QuestionEvent(EventKind.CALL_LINKED, now, user, payload)]

        return self._change(reg_no, change)[0]

    def frequent_subjects(self, since: datetime, until: datetime, min_count: int = 5) -> list[JsonDict]:
        """List topics without a FAQ asked at least ``min_count`` times in [since, until)."""
        _check_period(since, until)
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
            raise InvalidInput("The minimum count is a whole number from 1.", {"min_count": "at least 1"})
        with self._uow() as uow:
            found = uow.questions.frequent_topics_without_faq(since, until, min_count)
        return [{**topic_dict(tc.topic), "count": tc.count, "faq_needed_flags": tc.faq_flags} for tc in found]

    def _draft(self, reg: _Registration, topic: Topic | None, received: datetime, due: datetime) -> Question:
        return Question(
            id=0, registration_number="", contact_id=reg.contact_id, type=reg.type, channel=reg.channel,
            reply_channel=reply_channel_for(reg.channel), topic_id=topic.id if topic else None,
            topic_code=reg.topic, subject=reg.subject, received_at=received, status=Status.REGISTERED,
            owner_user_id=self._owner(reg), track=reg.track, due_at=due,
        )

    def _owner(self, reg: _Registration) -> int | None:
        """Complaints go to the coordinator when one is known; other questions to whom the agent chose."""
        if reg.type is QuestionType.COMPLAINT:
            return self._coordinator.coordinator_user_id() or reg.owner_user_id
        return reg.owner_user_id

    def _add_with_fresh_number(self, uow: CrmUnitOfWork, draft: Question) -> Question:
        year = draft.received_at.astimezone(self._tz).year
        for _ in range(MAX_DRAWS):
            number = str(new_registration_number(year, self._draw))
            if uow.questions.number_taken(number):
                continue
            try:
                return uow.questions.add(replace(draft, registration_number=number))
            except RegistrationNumberTaken:  # drawn by another agent between the check and the insert
                continue
        raise RuntimeError(f"No free registration number after {MAX_DRAWS} draws; check the random source.")


def _clean_registration(cmd: RegisterQuestion) -> _Registration:
    problems = Problems()
    contact_id = problems.check(optional_id, cmd.contact_id, "contact_id")
    if cmd.contact_id is None:
        problems.add("contact_id", "required")
    channel = problems.check(parse_choice, Channel, cmd.channel, "channel")
    kind = problems.check(parse_choice, QuestionType, cmd.type, "type")
    track = problems.check(parse_choice, Track, cmd.track, "track")
    subject = problems.check(_clean_subject, cmd.topic, cmd.subject)
    owner = problems.check(optional_id, cmd.owner_user_id, "owner_user_id")
    received = problems.check(optional_aware_datetime, cmd.received_at, "received_at")
    problems.raise_if_any("question")
    assert contact_id and channel and kind and track and subject
    return _Registration(contact_id, channel, subject[0], subject[1], kind, track, received, owner)


def _clean_subject(topic: str | None, subject: str | None) -> tuple[str | None, str]:
    """Return (topic code or None, free text or ''); at least one of them is required."""
    code = clean_topic_code(topic, "topic") if topic not in (None, "") else None
    text = optional_text(subject, "subject", max_length=SUBJECT_MAX) or ""
    if code is None and not text:
        raise InvalidInput("Give a topic, a subject or both.", {"subject": "a topic or a subject"})
    return code, text


def _check_period(since: datetime, until: datetime) -> None:
    aware_datetime(since, "since")
    if aware_datetime(until, "until") <= since:
        raise InvalidInput("The period needs a start before its end.", {"until": "after since"})


def _existing(uow: CrmUnitOfWork, number: str) -> Question:
    question = uow.questions.by_number(number)
    if question is None:
        raise NoSuchQuestion(f"There is no question {number}.")
    return question


def _check_contact(uow: CrmUnitOfWork, reg: _Registration) -> None:
    """Check the contact exists and can be answered on the reply channel."""
    contact = uow.contacts.get(reg.contact_id)
    if contact is None:
        raise RuleViolation(f"There is no contact {reg.contact_id}.", {"contact_id": "no such contact"})
    reply = reply_channel_for(reg.channel)
    if reply is Channel.EMAIL and not contact.email:
        raise RuleViolation("The answer goes by e-mail but the contact has no e-mail address.",
                            {"contact_id": "no e-mail address"})
    if reply is Channel.PHONE and not contact.phones:
        raise RuleViolation("The answer goes by phone but the contact has no number.",
                            {"contact_id": "no number"})


def _active_topic(uow: CrmUnitOfWork, code: str | None) -> Topic | None:
    if code is None:
        return None
    topic = uow.topics.by_code(code)
    if topic is None or not topic.active:
        raise RuleViolation(f"There is no active topic {code!r}.", {"topic": "no such active topic"})
    return topic
