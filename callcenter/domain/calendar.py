"""The office's working calendar: open or closed at a moment, working days, working-day deadlines.

Everything is computed on wall-clock dates of the office time zone and returned as aware datetimes:
a deadline of two working days is the closing time of a date, never "received + 48 h" in UTC.
The closed dates of a year are built once per calendar and kept; deadlines only depend on the day of
receipt, so they are memoised per (date, before closing, track, language).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callcenter.domain.calendar_input import MAX_YEAR, MIN_YEAR, YearOutOfRange, check_year
from callcenter.domain.closures import (
    AFTER_CLOSING,
    DEFAULT_LANG,
    OUTSIDE_HOURS,
    WEEKDAY_NAMES,
    ClosedDay,
    Closure,
    check_lang,
    closed_days,
)
from callcenter.domain.errors import CalendarConfigError, InvalidInput
from callcenter.domain.opening_hours import OpeningHours

ONE_DAY = timedelta(days=1)
SATURDAY = 5
# Long enough for any real run of closures; a calendar that never opens is a configuration mistake.
SEARCH_DAYS = 3 * 366
_MEMO_LIMIT = 100_000


class UnknownTrack(InvalidInput):
    """A deadline track the calendar does not know."""

    code = "unknown-track"


@dataclass(frozen=True)
class Track:
    """A deadline track: answer within ``working_days``; Saturdays may count as days of the track."""

    name: str
    working_days: int
    counts_saturdays: bool = False

    def __post_init__(self) -> None:
        if self.working_days < 0:
            raise CalendarConfigError(f"The track {self.name!r} cannot have {self.working_days} "
                                      f"working days.")


DEFAULT_TRACKS = (Track("standard", 2), Track("competence", 5))


@dataclass(frozen=True)
class Status:
    """Whether the office is open at a moment, why not, and the next change."""

    open: bool
    reason: str | None
    next_open: datetime | None = None
    next_close: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """Render as JSON-ready values: next_close when open, next_open when closed."""
        if self.open:
            return {"open": True, "reason": None, "next_close": _iso(self.next_close)}
        return {"open": False, "reason": self.reason, "next_open": _iso(self.next_open)}


@dataclass(frozen=True)
class Deadline:
    """When an answer is due, the working days counted and the days skipped with their reason."""

    due: datetime
    track: str
    day_of_receipt: date
    working_days: tuple[date, ...]
    skipped: tuple[tuple[date, str], ...]

    def as_dict(self) -> dict[str, Any]:
        """Render as JSON-ready values."""
        return {
            "due": self.due.isoformat(),
            "track": self.track,
            "day_of_receipt": self.day_of_receipt.isoformat(),
            "working_days": [d.isoformat() for d in self.working_days],
            "skipped": [{"date": d.isoformat(), "reason": reason} for d, reason in self.skipped],
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def office_zone(name: str) -> ZoneInfo:
    """Return the time zone called ``name``, or raise CalendarConfigError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarConfigError(f"{name!r} is not a time zone (use e.g. Europe/Brussels).") from None


class OfficeCalendar:
    """Opening hours plus closures of one office, answering status and deadline questions."""

    def __init__(self, hours: OpeningHours, tz: str | tzinfo = "Europe/Brussels",
                 closures: Iterable[Closure] = (), *, federal_staff_holidays: bool = True,
                 year_end_closure: bool = True, tracks: Iterable[Track] = DEFAULT_TRACKS) -> None:
        self.hours = hours
        self.tz = office_zone(tz) if isinstance(tz, str) else tz
        self.extra_closures = tuple(closures)
        self.federal_staff_holidays = federal_staff_holidays
        self.year_end_closure = year_end_closure
        self.tracks = {track.name: track for track in tracks}
        self._closed_by_year: dict[int, dict[date, Closure]] = {}
        self._memo: dict[tuple[date, bool, str, str], Deadline] = {}

    def with_closures(self, closures: Iterable[Closure]) -> OfficeCalendar:
        """Return the same calendar with other operator closures (fresh caches)."""
        return OfficeCalendar(self.hours, self.tz, closures,
                              federal_staff_holidays=self.federal_staff_holidays,
                              year_end_closure=self.year_end_closure, tracks=self.tracks.values())

    # -- days --------------------------------------------------------------------------------------

    def closed_dates(self, year: int) -> dict[date, Closure]:
        """Map every closed date of ``year`` (weekends included) to its closure; built once per year."""
        closed = self._closed_by_year.get(year)
        if closed is None:
            if not MIN_YEAR <= year <= MAX_YEAR + 1:  # one year of slack for deadlines crossing MAX_YEAR
                check_year(year)
            closed = closed_days(year, self.extra_closures, federal_staff=self.federal_staff_holidays,
                                 year_end=self.year_end_closure)
            self._closed_by_year[year] = closed
        return closed

    def closure_on(self, day: date) -> Closure | None:
        """Return the closure of ``day``, if any."""
        return self.closed_dates(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        """Tell whether the office opens on ``day`` (it has hours that weekday and no closure)."""
        return bool(self.hours.by_weekday[day.weekday()]) and day not in self.closed_dates(day.year)

    def closures(self, year: int, lang: str = DEFAULT_LANG) -> list[ClosedDay]:
        """List the closed days of ``year`` that fall on a weekday with opening hours (Mon–Fri here)."""
        check_year(year)
        check_lang(lang)
        return [ClosedDay(day, closure.name(lang), closure.source)
                for day, closure in sorted(self.closed_dates(year).items())
                if self.hours.opens_on(day.weekday())]

    def working_days_from(self, start: date) -> Iterator[date]:
        """Yield the working days from ``start`` on (included), failing if none comes for years."""
        day = start
        for _ in range(SEARCH_DAYS):
            if self.is_working_day(day):
                yield day
            day += ONE_DAY
        raise CalendarConfigError(f"The office does not open in the {SEARCH_DAYS} days from {start}; "
                                  f"check the opening hours and closures.")

    def next_working_day(self, day: date) -> date:
        """Return the first working day after ``day``."""
        return next(self.working_days_from(day + ONE_DAY))

    def day_reason(self, day: date, lang: str = DEFAULT_LANG) -> str:
        """Say why ``day`` is not a working day: the closure name, else the weekday name."""
        closure = self.closure_on(day)
        return closure.name(lang) if closure else WEEKDAY_NAMES[lang][day.weekday()]

    # -- moments -----------------------------------------------------------------------------------

    def local(self, at: datetime) -> datetime:
        """Return ``at`` in the office time zone; refuse naive datetimes and uncovered years."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"The calendar needs a timezone-aware datetime, not {at!r}.")
        check_year(at.year)
        local = at.astimezone(self.tz)
        if local.year != at.year:
            check_year(local.year)
        return local

    def is_open(self, at: datetime) -> bool:
        """Tell whether the office is open at ``at`` (opening time included, closing time excluded)."""
        local = self.local(at)
        day = local.date()
        return self.is_working_day(day) and self.hours.is_open_at(day.weekday(), local.time())

    def status(self, at: datetime, lang: str = DEFAULT_LANG) -> Status:
        """Say whether the office is open at ``at``; if not, why and when it opens, else when it closes."""
        check_lang(lang)
        if self.is_open(at):
            return Status(True, None, next_close=self.next_close(at))
        closure = self.closure_on(self.local(at).date())
        reason = closure.name(lang) if closure else OUTSIDE_HOURS[lang]
        return Status(False, reason, next_open=self.next_open(at))

    def next_open(self, at: datetime) -> datetime:
        """Return the first opening time strictly after ``at``."""
        return self._next_edge(at, 0)

    def next_close(self, at: datetime) -> datetime:
        """Return the first closing time (end of an interval, lunch included) strictly after ``at``."""
        return self._next_edge(at, 1)

    def _next_edge(self, at: datetime, edge: int) -> datetime:
        """Return the first interval start (edge 0) or end (edge 1) after ``at`` on a working day."""
        local = self.local(at)
        after = at.astimezone(UTC)  # compare instants, not wall clocks, in case ``at`` falls in a DST fold
        for day in self.working_days_from(local.date()):
            for interval in self.hours.intervals(day.weekday()):
                moment = datetime.combine(day, interval[edge], self.tz)
                if moment.astimezone(UTC) > after:
                    return moment
        raise AssertionError("working_days_from never ends without raising")

    # -- deadlines ---------------------------------------------------------------------------------

    def deadline(self, received: datetime, track: str = "standard", lang: str = DEFAULT_LANG) -> Deadline:
        """Return when a question received at ``received`` is due on ``track``, with the days counted."""
        local = self.local(received)
        day = local.date()
        before_closing = self.is_working_day(day) and local.time() < self.hours.closing(day.weekday())
        key = (day, before_closing, track, lang)
        found = self._memo.get(key)
        if found is None:
            found = self._compute_deadline(day, before_closing, self._track(track), check_lang(lang))
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _track(self, name: str) -> Track:
        try:
            return self.tracks[name]
        except (KeyError, TypeError):
            names = list(self.tracks)
            known = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
            raise UnknownTrack(f"{name!r} is not a deadline track (use {known}).",
                               {"track": f"use {known}"}) from None

    def _compute_deadline(self, day: date, before_closing: bool, track: Track, lang: str) -> Deadline:
        """Count the track's days after the day of receipt; explain every day that did not count."""
        receipt = day if before_closing else self.next_working_day(day)
        skipped: list[tuple[date, str]] = []
        if receipt != day:
            first_reason = AFTER_CLOSING[lang] if self.is_working_day(day) else self.day_reason(day, lang)
            skipped.append((day, first_reason))
            skipped.extend(self._explain(day + ONE_DAY, receipt, lang))
        counted = self._count(receipt, track, lang, skipped)
        last = counted[-1] if counted else receipt
        # A counted Saturday the office does not open on moves the deadline to the next opening day.
        due_day = last if self.is_working_day(last) else self.next_working_day(last)
        skipped.extend(self._explain(last + ONE_DAY, due_day, lang))
        due = datetime.combine(due_day, self.hours.closing(due_day.weekday()), self.tz)
        return Deadline(due, track.name, receipt, tuple(counted), tuple(skipped))

    def _count(self, receipt: date, track: Track, lang: str, skipped: list[tuple[date, str]]) -> list[date]:
        """Return the first ``track.working_days`` days after ``receipt`` that count, noting the others."""
        counted: list[date] = []
        day = receipt
        for _ in range(SEARCH_DAYS):
            if len(counted) == track.working_days:
                return counted
            day += ONE_DAY
            if self._counts(day, track):
                counted.append(day)
            else:
                skipped.append((day, self.day_reason(day, lang)))
        raise CalendarConfigError(f"The office does not open in the {SEARCH_DAYS} days from {receipt}; "
                                  f"check the opening hours and closures.")

    def _counts(self, day: date, track: Track) -> bool:
        """Tell whether ``day`` is a day of ``track``: a working day, or a Saturday without closure."""
        if self.is_working_day(day):
            return True
        return track.counts_saturdays and day.weekday() == SATURDAY and self.closure_on(day) is None

    def _explain(self, start: date, stop: date, lang: str) -> list[tuple[date, str]]:
        """Return each day from ``start`` up to ``stop`` (excluded) with why it did not count."""
        days = (start + timedelta(days=n) for n in range((stop - start).days))
        return [(day, self.day_reason(day, lang)) for day in days]


__all__ = [
    "DEFAULT_TRACKS", "ClosedDay", "Closure", "Deadline", "OfficeCalendar", "OpeningHours", "Status", "Track",
    "UnknownTrack", "YearOutOfRange", "office_zone",
]
