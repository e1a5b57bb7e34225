"""Reading busy periods out of iCalendar bytes: recurrence, time zones, odd events (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from callcenter.agenda_ical import IcalCalendarReader, parse_busy_periods
from callcenter.domain.agenda import Interval
from callcenter.domain.agenda_feeds import AgendaFeedUnreadable

BRUSSELS = ZoneInfo("Europe/Brussels")
WINDOW = Interval(datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def calendar(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\n{e.strip()}\nEND:VEVENT\n" for e in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\n{body}END:VCALENDAR\n".encode()


def local_spans(data: bytes) -> list[tuple[str, str]]:
    events = parse_busy_periods(data, WINDOW, BRUSSELS)
    return sorted((e.interval.start.astimezone(BRUSSELS).strftime("%m-%d %H:%M"),
                   e.interval.end.astimezone(BRUSSELS).strftime("%m-%d %H:%M")) for e in events)


def test_weekly_recurrence_keeps_wall_clock_time_across_dst() -> None:
    data = calendar("""UID:w
DTSTART;TZID=Europe/Brussels:20261020T090000
DTEND;TZID=Europe/Brussels:20261020T100000
RRULE:FREQ=WEEKLY;UNTIL=20261103T080000Z""")
    assert local_spans(data) == [("10-20 09:00", "10-20 10:00"), ("10-27 09:00", "10-27 10:00"),
                                 ("11-03 09:00", "11-03 10:00")]


def test_all_day_recurrence_with_a_date_until() -> None:
    data = calendar("""UID:d
DTSTART;VALUE=DATE:20261228
DTEND;VALUE=DATE:20261229
RRULE:FREQ=DAILY;UNTIL=20261230""")
    assert local_spans(data) == [("12-28 00:00", "12-29 00:00"), ("12-29 00:00", "12-30 00:00"),
                                 ("12-30 00:00", "12-31 00:00")]


def test_only_occurrences_overlapping_the_window_are_returned() -> None:
    data = calendar("""UID:long
DTSTART;TZID=Europe/Brussels:20200106T090000
DTEND;TZID=Europe/Brussels:20200106T100000
RRULE:FREQ=WEEKLY;BYDAY=MO""")
    spans = local_spans(data)
    assert len(spans) == 13 and spans[0] == ("10-05 09:00", "10-05 10:00")


def test_minutely_rules_are_not_expanded() -> None:
    data = calendar("""UID:m
DTSTART:20261201T090000Z
DTEND:20261201T090500Z
RRULE:FREQ=MINUTELY""")
    assert len(parse_busy_periods(data, WINDOW, BRUSSELS)) == 1


def test_events_without_uid_keep_a_stable_identity_and_broken_ones_are_skipped() -> None:
    data = calendar("DTSTART:20261201T090000Z\nDTEND:20261201T100000Z\nSUMMARY:x",
                    "UID:broken\nDTSTART:not-a-date\nDTEND:20261201T100000Z")
    first, again = parse_busy_periods(data, WINDOW, BRUSSELS), parse_busy_periods(data, WINDOW, BRUSSELS)
    assert len(first) == 1 and first[0].uid.startswith("nouid-")
    assert [e.uid for e in first] == [e.uid for e in again]


def test_garbage_is_refused_in_one_sentence() -> None:
    with pytest.raises(AgendaFeedUnreadable, match="not valid iCalendar"):
        parse_busy_periods(b"hello", WINDOW, BRUSSELS)


def test_locations_are_normalised() -> None:
    reader = IcalCalendarReader(BRUSSELS)
    assert reader.canonical("webcal://example.org/a.ics") == "https://example.org/a.ics"
    assert reader.canonical("file:///tmp/../tmp/a.ics") == "/tmp/a.ics"
    with pytest.raises(AgendaFeedUnreadable, match="gopher"):
        reader.canonical("gopher://example.org/")
