"""Composition of the CRM features (contacts, topics, questions, calls, screen-pop) for callcenter.wiring.

The adapters here join features that must not import each other: the office calendar gives due times
and working days, the identity feature says who the coordinator is.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from callcenter.db.read_uow import autocommit_read_uow
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
        # The calendar in force and, per year, how many working days it has up to each day (included);
        # replaced as one tuple when closures are reloaded (a new calendar object), so no thread mixes
        # two calendars' counts.
        self._counts: tuple[Any, dict[int, list[int]]] = (None, {})

    def deadline(self, received: datetime, track: str) -> Deadline:
        return self._service.deadline(received, track)  # type: ignore[no-any-return]

    def is_working_day(self, day: date) -> bool:
        return bool(self._service.calendar.is_working_day(day))

    def working_days_left(self, today: date, due_day: date) -> int:
        """Count working days after ``today`` up to ``due_day``, negative when it has passed.

        The same count as callcenter.domain.questions.working_days_left, from per-year running totals
        built once per calendar: the screen-pop asks this for every open question it shows, and counted
        day by day it took a good share of the lookup's CPU.
        """
        calendar = self._service.calendar
        counted, years = self._counts
        if counted is not calendar:
            years = {}
            self._counts = (calendar, years)
        low, high = sorted((today, due_day))
        # Working days in (low, high]: the rest of low's year, the years between, high's year up to high.
        count = (_running_totals(calendar, years, high)[_day_index(high)]
                 - _running_totals(calendar, years, low)[_day_index(low)])
        for year in range(low.year, high.year):
            count += _running_totals(calendar, years, date(year, 1, 1))[-1]
        return count if due_day >= today else -count


def _day_index(day: date) -> int:
    return day.timetuple().tm_yday - 1


def _running_totals(calendar: Any, years: dict[int, list[int]], day: date) -> list[int]:
    """Working days of ``day``'s year from the 1st of January up to each day included (built once)."""
    year = day.year
    totals = years.get(year)
    if totals is None:
        totals, count, each = [], 0, date(year, 1, 1)
        while each.year == year:
            count += 1 if calendar.is_working_day(each) else 0
            totals.append(count)
            each += timedelta(days=1)
        years[year] = totals
    return totals


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
    # Reads only, on a bare autocommit Connection: no BEGIN/ROLLBACK round trips, no Session. On a pool
    # of their own: a new call's route builds its screen-pop while it holds the call's row, and the call's
    # next events wait on that row holding connections of the main pool (services.call_lifecycle).
    calendar = OfficeWorkingCalendar(s.calendar)
    return ScreenPopService(autocommit_read_uow(s.read_engine or s.engine), s.clock, calendar,
                            office_zone(s.settings.timezone), working_days_left=calendar.working_days_left)
