"""Hand-written in-memory fakes of the CRM ports: repositories, unit of work, calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import TracebackType

from callcenter.domain.calls import Call
from callcenter.domain.contacts import Contact, Language, Organisation
from callcenter.domain.questions import Question, QuestionEvent
from callcenter.domain.registration import RegistrationNumberTaken
from callcenter.domain.topics import Topic
from callcenter.services.crm_ports import LastCalls, NumberMatches, TopicCount


class FakeContacts:
    def __init__(self) -> None:
        self.rows: dict[int, Contact] = {}
        self.orgs: dict[int, Organisation] = {}

    def add(self, name: str, email: str | None, language: str, organisation_id: int | None,
            phones: Sequence[str], at: datetime) -> Contact:
        contact = Contact(len(self.rows) + 1, name, email, Language(language), organisation_id, tuple(phones))
        self.rows[contact.id] = contact
        return contact

    def get(self, contact_id: int) -> Contact | None:
        return self.rows.get(contact_id)

    def save(self, contact: Contact, at: datetime) -> None:
        self.rows[contact.id] = contact

    def add_organisation(self, name: str, switchboard: str | None, at: datetime) -> Organisation:
        org = Organisation(len(self.orgs) + 1, name, switchboard)
        self.orgs[org.id] = org
        return org

    def get_organisation(self, organisation_id: int) -> Organisation | None:
        return self.orgs.get(organisation_id)

    def organisations(self) -> list[Organisation]:
        return sorted(self.orgs.values(), key=lambda o: o.name)

    def with_number(self, e164: str) -> list[int]:
        return [c.id for c in self.rows.values() if e164 in c.phones]

    def match_number(self, e164: str, limit: int) -> NumberMatches:
        direct = [c for c in self.rows.values() if e164 in c.phones]
        boards = [o for o in self.orgs.values() if o.switchboard == e164]
        board_ids = {o.id for o in boards}
        via = [c for c in self.rows.values() if c.organisation_id in board_ids and c not in direct]
        orgs = {o.id: o for o in self.orgs.values()}
        return NumberMatches(direct, boards, via, orgs, truncated=False)


class FakeTopics:
    def __init__(self) -> None:
        self.rows: dict[str, Topic] = {}

    def add(self, code: str, names: dict[str, str], active: bool, faq_reference: str | None) -> Topic:
        self.rows[code] = Topic(len(self.rows) + 1, code, names, active, faq_reference)
        return self.rows[code]

    def by_code(self, code: str) -> Topic | None:
        return self.rows.get(code)

    def save(self, topic: Topic) -> None:
        self.rows[topic.code] = topic

    def all(self, *, active_only: bool) -> list[Topic]:
        return [t for _, t in sorted(self.rows.items()) if t.active or not active_only]


class FakeQuestions:
    def __init__(self) -> None:
        self.rows: dict[str, Question] = {}
        self.events: list[tuple[int, QuestionEvent]] = []

    def add(self, question: Question) -> Question:
        if question.registration_number in self.rows:
            raise RegistrationNumberTaken(question.registration_number)
        stored = replace(question, id=len(self.rows) + 1)
        self.rows[stored.registration_number] = stored
        return stored

    def number_taken(self, registration_number: str) -> bool:
        return registration_number in self.rows

    def by_number(self, registration_number: str, *, for_update: bool = False) -> Question | None:
        return self.rows.get(registration_number)

    def save(self, question: Question) -> None:
        self.rows[question.registration_number] = question

    def append_event(self, question_id: int, event: QuestionEvent) -> QuestionEvent:
        stored = replace(event, id=len(self.events) + 1)
        self.events.append((question_id, stored))
        return stored

    def history(self, question_id: int) -> list[QuestionEvent]:
        return [e for qid, e in self.events if qid == question_id]

    def open_for_contacts(self, contact_ids: Sequence[int], limit: int) -> list[Question]:
        found = [q for q in self.rows.values() if q.contact_id in contact_ids and q.is_open]
        return sorted(found, key=lambda q: q.due_at)[:limit]

    def frequent_topics_without_faq(self, since: datetime, until: datetime,
                                    min_count: int) -> list[TopicCount]:
        raise AssertionError("not used by the unit tests")


class FakeCalls:
    def __init__(self) -> None:
        self.rows: dict[str, Call] = {}

    def by_call_id(self, call_id: str) -> Call | None:
        return self.rows.get(call_id)

    def add(self, call: Call) -> Call:
        self.rows[call.call_id] = replace(call, id=len(self.rows) + 1)
        return self.rows[call.call_id]

    def save(self, call: Call) -> None:
        self.rows[call.call_id] = call

    def last_calls(self, contact_ids: Sequence[int], per_contact: int,
                   number: str | None = None) -> LastCalls:
        newest = sorted(self.rows.values(), key=lambda c: c.started_at, reverse=True)
        of_contacts = {cid: [c for c in newest if c.contact_id == cid][:per_contact] for cid in contact_ids}
        ended = [c for c in newest if c.from_number == number and c.ended_at is not None]
        return LastCalls(of_contacts, ended[:per_contact])


@dataclass
class FakeCrmUow:
    contacts: FakeContacts = field(default_factory=FakeContacts)
    topics: FakeTopics = field(default_factory=FakeTopics)
    questions: FakeQuestions = field(default_factory=FakeQuestions)
    calls: FakeCalls = field(default_factory=FakeCalls)
    commits: int = 0

    def __enter__(self) -> FakeCrmUow:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        return None


@dataclass(frozen=True)
class FakeDeadline:
    due: datetime


class FakeCalendar:
    """Weekdays are working days except ``closed``; a track of N days is due N working days later at 16:00."""

    def __init__(self, closed: set[date] | None = None, days: dict[str, int] | None = None) -> None:
        self.closed = closed or set()
        self.days = days or {"standard": 2, "competence": 5}
        self.asked: list[tuple[datetime, str]] = []

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.closed

    def deadline(self, received: datetime, track: str) -> FakeDeadline:
        self.asked.append((received, track))
        day, left = received.date(), self.days[track]
        while left:
            day += timedelta(days=1)
            left -= 1 if self.is_working_day(day) else 0
        return FakeDeadline(datetime.combine(day, received.timetz().replace(hour=16, minute=0)))
