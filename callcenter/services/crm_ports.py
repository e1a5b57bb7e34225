"""Ports of the CRM use cases: repositories on the unit of work, the working calendar, the coordinator."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from callcenter.domain.calls import Call
from callcenter.domain.contacts import Contact, Organisation
from callcenter.domain.questions import Question, QuestionEvent
from callcenter.domain.topics import Topic
from callcenter.services.ports import UnitOfWork


@dataclass(frozen=True)
class NumberMatches:
    """Who a number belongs to: contacts that gave it, organisations whose switchboard it is."""

    direct: list[Contact]  # contacts with this number among their own
    switchboards: list[Organisation]  # organisations whose switchboard this number is
    via_switchboard: list[Contact]  # contacts of those organisations (without the direct ones)
    organisations: dict[int, Organisation]  # every organisation the contacts above belong to
    truncated: bool  # more contacts matched than the limit asked for


@dataclass(frozen=True)
class LastCalls:
    """The newest calls of some contacts and from a number, newest first (the screen-pop's)."""

    of_contacts: dict[int, list[Call]]  # each contact asked about: up to ``per_contact`` calls
    from_number: list[Call]  # up to ``per_contact`` ended calls from the number, whoever made them


@dataclass(frozen=True)
class TopicCount:
    topic: Topic
    count: int
    faq_flags: int  # questions of the period an agent flagged "FAQ needed"


class ContactRepository(Protocol):
    def add(self, name: str, email: str | None, language: str, organisation_id: int | None,
            phones: Sequence[str], at: datetime) -> Contact: ...

    def get(self, contact_id: int) -> Contact | None: ...

    def save(self, contact: Contact, at: datetime) -> None:
        """Store the contact's fields and replace its numbers by ``contact.phones``."""
        ...

    def add_organisation(self, name: str, switchboard: str | None, at: datetime) -> Organisation: ...

    def get_organisation(self, organisation_id: int) -> Organisation | None: ...

    def organisations(self) -> list[Organisation]:
        """Return every organisation, by name."""
        ...

    def match_number(self, e164: str, limit: int) -> NumberMatches:
        """Find who ``e164`` belongs to, at most ``limit`` contacts in all."""
        ...

    def with_number(self, e164: str) -> list[int]:
        """Return the ids of the contacts that gave this number themselves."""
        ...


class TopicRepository(Protocol):
    def add(self, code: str, names: dict[str, str], active: bool, faq_reference: str | None) -> Topic: ...

    def by_code(self, code: str) -> Topic | None: ...

    def save(self, topic: Topic) -> None: ...

    def all(self, *, active_only: bool) -> list[Topic]:
        """Return the topics by code."""
        ...


class QuestionRepository(Protocol):
    def add(self, question: Question) -> Question:
        """Store a new question (its id is ignored); raise RegistrationNumberTaken on a collision."""
        ...

    def number_taken(self, registration_number: str) -> bool: ...

    def by_number(self, registration_number: str, *, for_update: bool = False) -> Question | None:
        """Find a question; ``for_update`` locks its row until the transaction ends."""
        ...

    def save(self, question: Question) -> None:
        """Store the mutable fields of an existing question."""
        ...

    def append_event(self, question_id: int, event: QuestionEvent) -> QuestionEvent: ...

    def history(self, question_id: int) -> list[QuestionEvent]:
        """Return the question's events, oldest first."""
        ...

    def open_for_contacts(self, contact_ids: Sequence[int], limit: int) -> list[Question]:
        """Return the open questions of these contacts, soonest due first."""
        ...

    def frequent_topics_without_faq(self, since: datetime, until: datetime,
                                    min_count: int) -> list[TopicCount]:
        """Count questions received in [since, until) per topic without a FAQ; keep counts >= min_count."""
        ...


class CallRepository(Protocol):
    def by_call_id(self, call_id: str) -> Call | None: ...

    def add(self, call: Call) -> Call:
        """Store a new call (its id is ignored)."""
        ...

    def save(self, call: Call) -> None: ...

    def last_calls(self, contact_ids: Sequence[int], per_contact: int,
                   number: str | None = None) -> LastCalls:
        """Return each contact's last calls and the last ended calls from ``number`` (E.164), in one read."""
        ...


class CrmUnitOfWork(UnitOfWork, Protocol):
    """A transaction with the CRM repositories (read-only attributes: one per access is fine)."""

    @property
    def contacts(self) -> ContactRepository: ...

    @property
    def topics(self) -> TopicRepository: ...

    @property
    def questions(self) -> QuestionRepository: ...

    @property
    def calls(self) -> CallRepository: ...

    def __enter__(self) -> CrmUnitOfWork: ...


CrmUowFactory = Callable[[], CrmUnitOfWork]


class HasDue(Protocol):
    @property
    def due(self) -> datetime: ...


class WorkingCalendar(Protocol):
    """The part of the office calendar questions need (callcenter.services.calendar_service provides it)."""

    def deadline(self, received: datetime, track: str) -> HasDue:
        """Return when a question received at ``received`` is due on ``track`` (``.due``, aware)."""
        ...

    def is_working_day(self, day: date) -> bool: ...


class CoordinatorDirectory(Protocol):
    """Who handles complaints (the front-office coordinator named in the charter)."""

    def coordinator_user_id(self) -> int | None: ...


class FixedCoordinator:
    """A coordinator known in advance (a setting, a test)."""

    def __init__(self, user_id: int | None) -> None:
        self._user_id = user_id

    def coordinator_user_id(self) -> int | None:
        return self._user_id


def iso(value: datetime | None) -> str | None:
    """Render an aware datetime as ISO 8601, None as None."""
    return value.isoformat() if value is not None else None


JsonDict = dict[str, Any]
