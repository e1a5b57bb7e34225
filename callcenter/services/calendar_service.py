"""The calendar use cases: office status, working-day deadlines and closure lists, on reloadable closures.

Operator closures come from a ClosureSource port (files, in callcenter.calendar_files). They are reloaded
when the source's fingerprint changes, looked at no more often than every ``recheck_s`` seconds so that
a deadline costs no file system call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from callcenter.domain.calendar import DEFAULT_TRACKS, Deadline, OfficeCalendar, Status, Track, office_zone
from callcenter.domain.calendar_input import parse_datetime
from callcenter.domain.closures import DEFAULT_LANG, ClosedDay, Closure
from callcenter.domain.errors import CalendarConfigError
from callcenter.domain.opening_hours import OpeningHours
from callcenter.services.ports import Clock
from callcenter.settings import Settings

log = logging.getLogger(__name__)

RECHECK_S = 5.0

CalendarFactory = Callable[[list[Closure]], OfficeCalendar]


class ClosureSource(Protocol):
    """Where operator closures come from (a TOML file, an iCalendar file, a database table…)."""

    def load(self) -> list[Closure]:
        """Return every operator closure; raise CalendarConfigError naming the file and line."""
        ...

    def fingerprint(self) -> object:
        """Return a value that changes whenever ``load`` would return something else (e.g. mtimes)."""
        ...


class NoClosures:
    """A closure source without operator closures (tests, offices that configure none)."""

    def load(self) -> list[Closure]:
        return []

    def fingerprint(self) -> object:
        return None


def calendar_factory(settings: Settings) -> CalendarFactory:
    """Read the calendar settings once; return a builder of calendars for a list of operator closures."""
    hours = OpeningHours.parse(settings.office_hours)
    tz = office_zone(settings.timezone)
    standard, competence = DEFAULT_TRACKS
    tracks = (Track(standard.name, settings.standard_working_days),
              Track(competence.name, settings.competence_working_days, settings.competence_counts_saturdays))

    def build(closures: list[Closure]) -> OfficeCalendar:
        return OfficeCalendar(hours, tz, closures, federal_staff_holidays=settings.federal_staff_holidays,
                              year_end_closure=settings.year_end_closure, tracks=tracks)

    return build


class CalendarService:
    """Answer calendar questions for every adapter (web, CLI, routing, SLA deadlines)."""

    def __init__(self, make_calendar: CalendarFactory, source: ClosureSource, clock: Clock, *,
                 recheck_s: float = RECHECK_S, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._make_calendar = make_calendar
        self._source = source
        self._clock = clock
        self._recheck_s = recheck_s
        self._monotonic = monotonic
        self._fingerprint = source.fingerprint()
        self._calendar = make_calendar(source.load())
        self._next_check = monotonic() + recheck_s
        self.version = 1
        self.reload_error: str | None = None

    @property
    def calendar(self) -> OfficeCalendar:
        """Return the current calendar, first reloading closures if it is time to look and they changed."""
        if self._monotonic() >= self._next_check:
            self.reload_if_changed()
        return self._calendar

    def reload_if_changed(self) -> bool:
        """Reload the operator closures if their source changed; keep the old ones if the new are bad."""
        self._next_check = self._monotonic() + self._recheck_s
        fingerprint = self._source.fingerprint()
        if fingerprint == self._fingerprint:
            return False
        self._fingerprint = fingerprint  # a bad edit is reported once, not every few seconds
        try:
            self._calendar = self._make_calendar(self._source.load())
        except CalendarConfigError as exc:
            self.reload_error = exc.message
            log.error("Closures not reloaded, the previous ones stay in force: %s", exc.message)
            return False
        self.reload_error = None
        self.version += 1
        log.info("Closures reloaded (calendar version %d).", self.version)
        return True

    def now(self) -> datetime:
        """Return the current time from the injected clock."""
        return self._clock.now()

    def parse_datetime(self, text: str, field: str = "at") -> datetime:
        """Read an ISO 8601 date and time typed by a person; naive means office wall-clock time."""
        return parse_datetime(text, self._calendar.tz, field)

    def status(self, at: datetime | None = None, lang: str = DEFAULT_LANG) -> Status:
        """Say whether the office is open at ``at`` (default now) and when that changes."""
        return self.calendar.status(at or self.now(), lang)

    def is_open(self, at: datetime | None = None) -> bool:
        """Tell whether the office is open at ``at`` (default now)."""
        return self.calendar.is_open(at or self.now())

    def deadline(self, received: datetime, track: str = "standard", lang: str = DEFAULT_LANG) -> Deadline:
        """Return when a question received at ``received`` is due on ``track``."""
        return self.calendar.deadline(received, track, lang)

    def closures(self, year: int | None = None, lang: str = DEFAULT_LANG) -> list[ClosedDay]:
        """List the weekdays the office is closed in ``year`` (default this year), named in ``lang``."""
        calendar = self.calendar
        return calendar.closures(year if year is not None else self.now().astimezone(calendar.tz).year, lang)
