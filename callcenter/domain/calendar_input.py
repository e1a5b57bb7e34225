"""Read calendar input typed by people (CLI options, query strings) into checked values."""

from __future__ import annotations

from datetime import datetime, tzinfo

from callcenter.domain.errors import InvalidInput

MIN_YEAR = 2000
MAX_YEAR = 2100
_DATETIME_HINT = "use ISO 8601, e.g. 2026-12-24T10:00"


class InvalidDateTime(InvalidInput):
    """A date and time that cannot be read."""

    code = "invalid-datetime"


class YearOutOfRange(InvalidInput):
    """A year the calendar does not cover, or text that is not a year."""

    code = "year-out-of-range"


def check_year(year: int, field: str = "year") -> int:
    """Return ``year`` if the calendar covers it, else raise YearOutOfRange about ``field``."""
    if MIN_YEAR <= year <= MAX_YEAR:
        return year
    raise YearOutOfRange(f"The year {year} is outside the years the calendar covers ({MIN_YEAR}–{MAX_YEAR}).",
                         {field: f"use a year from {MIN_YEAR} to {MAX_YEAR}"})


def parse_year(text: str) -> int:
    """Read a year such as '2026' and check it is covered."""
    try:
        year = int(text.strip())
    except ValueError:
        raise YearOutOfRange(f"{text!r} is not a year (use e.g. 2026).", {"year": "not a year"}) from None
    return check_year(year)


def parse_datetime(text: str, tz: tzinfo, field: str = "at") -> datetime:
    """Read an ISO 8601 date and time; naive values are wall-clock time in ``tz``, aware ones are kept."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidDateTime(f"{text!r} is not a date and time ({_DATETIME_HINT}).",
                              {field: f"not a date and time ({_DATETIME_HINT})"}) from None
    check_year(value.year, field)
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)
