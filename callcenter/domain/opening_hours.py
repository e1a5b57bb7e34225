"""Weekly opening hours, read from the settings format "mon-thu 08:30-12:30 13:00-16:30; fri 08:30-12:30"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from callcenter.domain.errors import CalendarConfigError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_EXAMPLE = "e.g. 'mon-thu 08:30-12:30 13:00-16:30; fri 08:30-12:30 13:00-16:00'"

Interval = tuple[time, time]


class InvalidOpeningHours(CalendarConfigError):
    """The opening hours text cannot be read; the message quotes the offending part."""

    code = "invalid-opening-hours"


@dataclass(frozen=True)
class OpeningHours:
    """Opening intervals per weekday (0 = Monday); a weekday without intervals is closed."""

    by_weekday: tuple[tuple[Interval, ...], ...]

    @classmethod
    def parse(cls, text: str) -> OpeningHours:
        """Read opening hours from the settings format; raise InvalidOpeningHours naming the bad part."""
        days: list[tuple[Interval, ...] | None] = [None] * 7
        for group in (g.strip() for g in text.split(";")):
            if group:
                _parse_group(text, group, days)
        if not any(days):
            raise InvalidOpeningHours(f"The opening hours {text!r} open on no day at all ({_EXAMPLE}).")
        return cls(tuple(d or () for d in days))

    def intervals(self, weekday: int) -> tuple[Interval, ...]:
        """Return the opening intervals of a weekday (0 = Monday), in order."""
        return self.by_weekday[weekday]

    def opens_on(self, weekday: int) -> bool:
        """Tell whether the office has hours on this weekday at all."""
        return bool(self.by_weekday[weekday])

    def closing(self, weekday: int) -> time:
        """Return the closing time of a weekday that has hours (the end of its last interval)."""
        return self.by_weekday[weekday][-1][1]

    def is_open_at(self, weekday: int, at: time) -> bool:
        """Tell whether wall-clock time ``at`` falls in an interval (start included, end excluded)."""
        return any(start <= at < end for start, end in self.by_weekday[weekday])

    def describe(self) -> str:
        """Write the hours back in the settings format, one group per weekday with hours."""
        groups = []
        for weekday, intervals in enumerate(self.by_weekday):
            if intervals:
                ranges = " ".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in intervals)
                groups.append(f"{DAY_NAMES[weekday]} {ranges}")
        return "; ".join(groups)


def _parse_group(text: str, group: str, days: list[tuple[Interval, ...] | None]) -> None:
    """Read one '<days> HH:MM-HH:MM …' group into ``days``, refusing a weekday given twice."""
    words = group.split()
    if len(words) < 2:
        raise InvalidOpeningHours(f"The opening hours {text!r}: {group!r} needs days and at least one "
                                  f"time range ({_EXAMPLE}).")
    intervals = _parse_intervals(text, words[1:])
    for weekday in _parse_days(text, words[0]):
        if days[weekday] is not None:
            raise InvalidOpeningHours(f"The opening hours {text!r} give {DAY_NAMES[weekday]} twice.")
        days[weekday] = intervals


def _parse_days(text: str, spec: str) -> list[int]:
    """Read 'mon', 'mon-thu' or a comma list of those into weekday numbers."""
    weekdays: list[int] = []
    for part in spec.lower().split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise InvalidOpeningHours(f"The opening hours {text!r}: {part!r} is not a day or a range of days "
                                      f"(use mon, tue, wed, thu, fri, sat, sun, or a range like mon-thu).")
        start, end = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        if end < start:
            raise InvalidOpeningHours(f"The opening hours {text!r}: the range {part!r} runs backwards.")
        weekdays.extend(range(start, end + 1))
    return weekdays


def _parse_intervals(text: str, words: list[str]) -> tuple[Interval, ...]:
    """Read 'HH:MM-HH:MM' words into ordered, non-overlapping intervals."""
    intervals = [_parse_interval(text, word) for word in words]
    intervals.sort()
    for (_, end), (start, _) in zip(intervals, intervals[1:], strict=False):
        if start < end:
            raise InvalidOpeningHours(f"The opening hours {text!r} have overlapping time ranges "
                                      f"({' '.join(words)}).")
    return tuple(intervals)


def _parse_interval(text: str, word: str) -> Interval:
    """Read one 'HH:MM-HH:MM' range within a single day."""
    match = _RANGE.match(word)
    hours_minutes = [int(g) for g in match.groups()] if match else []
    if not match or hours_minutes[0] > 23 or hours_minutes[2] > 23 or max(hours_minutes[1::2]) > 59:
        raise InvalidOpeningHours(f"The opening hours {text!r}: {word!r} is not a time range "
                                  f"(use HH:MM-HH:MM, e.g. 08:30-12:30).")
    start, end = time(hours_minutes[0], hours_minutes[1]), time(hours_minutes[2], hours_minutes[3])
    if end <= start:
        raise InvalidOpeningHours(f"The opening hours {text!r}: {word!r} ends before it starts.")
    return start, end
