"""Composition of the CRM features (contacts, topics, questions, calls, screen-pop) for callcenter.wiring.

The adapters here join features that must not import each other: the office calendar gives due times
and working days, the identity feature says who the coordinator is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from callcenter.db.engine import make_session_factory
from callcenter.db.uow import SqlAlchemyUnitOfWork
from callcenter.domain.calendar import Deadline, office_zone
from callcenter.domain.identity import Role
from callcenter.services.calls import CallService
from callcenter.services.contacts import ContactService
from callcenter.services.questions import QuestionService
from callcenter.services.screen_pop import ScreenPopService
from callcenter.services.topics import TopicService
from callcenter.webhook_wiring import outbound_events


class OfficeWorkingCalendar:
    """The calendar service seen as the questions' WorkingCalendar port (closures reload underneath)."""

    def __init__(self, calendar_service: Any) -> None:
        self._service = calendar_service

    def deadline(self, received: datetime, track: str) -> Deadline:
        return self._service.deadline(received, track)  # type: ignore[no-any-return]

    def is_working_day(self, day: date) -> bool:
        return bool(self._service.calendar.is_working_day(day))


class CoordinatorFromUsers:
    """The coordinator is the active user with the coordinator role (the lowest id if there are several)."""

    def __init__(self, identity: Any) -> None:
        self._identity = identity

    def coordinator_user_id(self) -> int | None:
        ids = [u.id for u in self._identity.list_users() if u.active and Role.COORDINATOR in u.roles]
        return min(ids) if ids else None


def build_contacts(s: Any) -> ContactService:
    return ContactService(s.uow, s.clock)


def build_topics(s: Any) -> TopicService:
    return TopicService(s.uow)


def build_calls(s: Any) -> CallService:
    return CallService(s.uow)


def build_questions(s: Any) -> QuestionService:
    return QuestionService(s.uow, s.clock, OfficeWorkingCalendar(s.calendar),
                           CoordinatorFromUsers(s.identity), office_zone(s.settings.timezone),
                           outbound=outbound_events(s))


def build_screen_pop(s: Any) -> ScreenPopService:
    return ScreenPopService(autocommit_uow(s.engine), s.clock, OfficeWorkingCalendar(s.calendar),
                            office_zone(s.settings.timezone))


def autocommit_uow(engine: Any) -> Callable[[], SqlAlchemyUnitOfWork]:
    """Units of work for reads only: without BEGIN and ROLLBACK, two round trips fewer per screen-pop."""
    factory = make_session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))
    return lambda: SqlAlchemyUnitOfWork(factory)
