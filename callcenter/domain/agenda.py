"""Experts' agendas: time intervals, absences and slots, and who is free now and later today.

An expert with no ``available`` slot on a day is free all day except during absences; one who entered
slots that day is free only inside them (still minus absences). Office hours, when known, bound both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from callcenter.domain.errors import InvalidInput

ABSENCE = "absence"
AVAILABLE = "available"
KINDS = (ABSENCE, AVAILABLE)
MANUAL = "manual"
ICAL = "ical"
SOURCES = (MANUAL, ICAL)
MAX_ENTRY_LENGTH = timedelta(days=366)


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open span [start, end) of aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Interval needs timezone-aware datetimes")
        if self.end <= self.start:
            raise ValueError("Interval must end after it starts")

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def clip(self, window: Interval) -> Interval | None:
        """Return the part of this interval inside ``window``, if any."""
        start, end = max(self.start, window.start), min(self.end, window.end)
        return Interval(start, end) if start < end else None


@dataclass(frozen=True)
class AgendaEntry:
    id: int
    user_id: int
    kind: str
    interval: Interval
    summary: str
    source: str
    source_uid: str


@dataclass(frozen=True)
class ImportedEvent:
    """A busy period read from an expert's calendar; ``uid`` is stable across imports."""

    uid: str
    interval: Interval
    summary: str


@dataclass(frozen=True)
class DayAvailability:
    available_now: bool
    next_free_at: datetime | None
    free_today: tuple[Interval, ...]  # from the asked moment to the end of the local day
    busy_today: tuple[Interval, ...]  # absences of the whole local day, merged


def entry_interval(starts_at: datetime, ends_at: datetime) -> Interval:
    """Validate the span of a manually entered absence or slot."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("Give times with a time zone.", fields={"starts_at": "naive"})
    if ends_at <= starts_at:
        raise InvalidInput("The end must come after the start.", fields={"ends_at": "not after start"})
    if ends_at - starts_at > MAX_ENTRY_LENGTH:
        raise InvalidInput("An agenda entry lasts at most a year.", fields={"ends_at": "too far"})
    return Interval(starts_at.astimezone(UTC), ends_at.astimezone(UTC))


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and join overlapping or touching intervals."""
    merged: list[Interval] = []
    for current in sorted(intervals):
        if merged and current.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Interval(last.start, max(last.end, current.end))
        else:
            merged.append(current)
    return merged


def subtract(window: Interval, busy: Iterable[Interval]) -> list[Interval]:
    """Return the parts of ``window`` not covered by any busy interval."""
    free: list[Interval] = []
    cursor = window.start
    for block in merge(b for b in busy if b.overlaps(window)):
        if block.start > cursor:
            free.append(Interval(cursor, block.start))
        cursor = max(cursor, block.end)
    if cursor < window.end:
        free.append(Interval(cursor, window.end))
    return free


def intersect(first: Iterable[Interval], second: Iterable[Interval]) -> list[Interval]:
    """Return the spans covered by both lists of intervals."""
    seconds = merge(second)
    pieces = (a.clip(b) for a in merge(first) for b in seconds)
    return merge(piece for piece in pieces if piece is not None)


def local_day(at: datetime, zone: tzinfo) -> Interval:
    """Return the local calendar day (midnight to midnight in ``zone``) containing ``at``, in UTC."""
    day = at.astimezone(zone).date()
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return Interval(start.astimezone(UTC), end.astimezone(UTC))


def day_availability(entries: Sequence[AgendaEntry], at: datetime, day: Interval,
                     open_hours: Sequence[Interval] | None = None) -> DayAvailability:
    """Compute one expert's availability at ``at`` and for the rest of ``day``."""
    absences = merge(c for e in entries if e.kind == ABSENCE and (c := e.interval.clip(day)))
    slots = [c for e in entries if e.kind == AVAILABLE and (c := e.interval.clip(day))]
    working = merge(slots) if slots else [day]
    if open_hours is not None:
        working = intersect(working, open_hours)
    free = [piece for span in working for piece in subtract(span, absences)]
    rest = Interval(at, day.end) if at < day.end else None
    free_today = tuple(c for f in free if rest and (c := f.clip(rest)))
    available_now = any(f.contains(at) for f in free)
    next_free = at if available_now else (free_today[0].start if free_today else None)
    return DayAvailability(available_now, next_free, free_today, tuple(absences))


@dataclass(frozen=True)
class ExpertAvailability:
    user_id: int
    username: str
    display_name: str
    availability: DayAvailability


def rank_experts(experts: Iterable[ExpertAvailability]) -> list[ExpertAvailability]:
    """Order experts: available now first, then soonest free today, then by name."""
    far = datetime.max.replace(tzinfo=UTC)

    def key(e: ExpertAvailability) -> tuple[bool, datetime, str, int]:
        a = e.availability
        return (not a.available_now, a.next_free_at or far, e.username, e.user_id)

    return sorted(experts, key=key)
