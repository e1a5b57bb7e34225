"""Operator closure files (TOML, iCalendar) and the calendar service that reloads them."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from callcenter.calendar_files import (
    FileClosureSource,
    build_calendar_service,
    read_closures_ical,
    read_closures_toml,
)
from callcenter.domain.calendar import Closure
from callcenter.domain.errors import CalendarConfigError
from callcenter.services.calendar_service import CalendarService, NoClosures, calendar_factory
from callcenter.services.clock import FixedClock
from callcenter.settings import PACKAGE_DATA

NOW = FixedClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
BRIDGE = """\
[[closure]]
date = 2026-05-15
fr = "Jour de pont"
nl = "Brugdag"
de = "Brückentag"
en = "Bridge day"
"""


def write(tmp_path: Path, text: str, name: str = "closures.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    reader = read_closures_ical if path.suffix == ".ics" else read_closures_toml
    with pytest.raises(CalendarConfigError) as caught:
        reader(path)
    return caught.value.message


# -- TOML --------------------------------------------------------------------------------------------


def test_the_shipped_file_has_the_2026_bridge_days_in_four_languages() -> None:
    closures = read_closures_toml(PACKAGE_DATA / "closures.toml")
    assert [c.date for c in closures] == [date(2026, 5, 15), date(2026, 7, 20)]
    assert all(set(c.names) == {"fr", "nl", "de", "en"} for c in closures)
    assert closures[0].name("nl") == "Brugdag (Hemelvaart)"


def test_ranges_and_a_default_name(tmp_path: Path) -> None:
    path = write(tmp_path, BRIDGE + '\n[[closure]]\ndate = "2026-08-10"\nuntil = 2026-08-12\n'
                                    'name = "Move"\nfr = "Déménagement"\n')
    closures = read_closures_toml(path)
    assert [c.date.isoformat() for c in closures] == ["2026-05-15", "2026-08-10", "2026-08-11", "2026-08-12"]
    assert (closures[1].name("fr"), closures[1].name("de")) == ("Déménagement", "Move")
    assert closures[1].source == "operator"


def test_an_impossible_date_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, BRIDGE + '\n[[closure]]\ndate = 2026-02-30\nen = "Typo"\n')
    assert error_of(path) == f"{path} line 9: '2026-02-30' is not a date."


@pytest.mark.parametrize(("entry", "line", "problem"), [
    ('date = "2026-02-30"\nen = "x"', 9, "'2026-02-30' is not a date"),
    ('en = "No date"', 8, "needs a date"),
    ('date = 2026-06-01\nen = "x"\ncolour = "red"', 11, "unknown key 'colour'"),
    ('date = 2026-06-01T10:00:00\nen = "x"', 9, "'2026-06-01 10:00:00' is not a date"),
    ('date = 2026-06-05\nuntil = 2026-06-01\nen = "x"', 10, "ends (2026-06-01) before it starts"),
    ('date = 2026-06-01', 8, "needs a name"),
    ('date = 2026-06-01\nen = ""', 10, "en must be a non-empty text"),
    ('date = 1999-06-01\nen = "x"', 9, "outside the years"),
    ('date = 2026-05-15\nen = "Again"', 9, "2026-05-15 is already a closure"),
    ('date = 2026-01-01\nuntil = 2027-12-31\nen = "x"', 10, "too long"),
])
def test_a_bad_entry_names_the_line(tmp_path: Path, entry: str, line: int, problem: str) -> None:
    path = write(tmp_path, BRIDGE + "\n[[closure]]\n" + entry + "\n")
    message = error_of(path)
    assert message.startswith(f"{path} line {line}: "), message
    assert problem in message


def test_a_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, BRIDGE + '\n[[closure]]\ndate = 2026-06-01\nen = "unterminated\n')
    assert error_of(path).startswith(f"{path} line 10: ")


def test_an_unknown_table_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "# comment\n[[closures]]\ndate = 2026-06-01\n")
    assert error_of(path) == f"{path} line 2: unknown key 'closures' (closures are [[closure]] tables)."


def test_inline_tables_are_named_by_entry(tmp_path: Path) -> None:
    path = write(tmp_path, 'closure = [{date = 2026-06-01, en = "a"}, {date = 2026-06-02}]\n')
    assert error_of(path).startswith(f"{path} entry 2: ")


def test_an_empty_file_has_no_closures_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    assert read_closures_toml(write(tmp_path, "# none this year\n")) == []
    assert "does not exist" in error_of(tmp_path / "missing.toml")


# -- iCalendar ---------------------------------------------------------------------------------------


def ics(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\nUID:{n}@test\r\n{e}END:VEVENT\r\n" for n, e in enumerate(events))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


def test_all_day_events_become_closures(tmp_path: Path) -> None:
    path = write(tmp_path, ics(
        "DTSTART;VALUE=DATE:20260711\r\nSUMMARY;LANGUAGE=nl-BE:Feest van de Vlaamse Gemeenschap\r\n"
        "SUMMARY;LANGUAGE=fr:Fête de la Communauté flamande\r\nSUMMARY:Flemish Community Day\r\n",
        "DTSTART;VALUE=DATE:20260817\r\nDTEND;VALUE=DATE:20260819\r\nSUMMARY:Move\r\n",
        "DTSTART;VALUE=DATE:20260901\r\nSTATUS:CANCELLED\r\nSUMMARY:Cancelled\r\n",
    ), "closures.ics")
    closures = read_closures_ical(path)
    assert [c.date.isoformat() for c in closures] == ["2026-07-11", "2026-08-17", "2026-08-18"]
    assert closures[0].name("nl") == "Feest van de Vlaamse Gemeenschap"
    assert closures[0].name("de") == "Flemish Community Day"
    assert closures[1].name("fr") == "Move"


@pytest.mark.parametrize(("event", "problem"), [
    ("DTSTART:20260711T090000Z\r\nSUMMARY:Timed\r\n", "is not an all-day date"),
    ("DTSTART;VALUE=DATE:20260711\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Yearly\r\n", "recurring events"),
    ("DTSTART;VALUE=DATE:20260711\r\n", "needs a SUMMARY"),
    ("SUMMARY:No start\r\n", "has no DTSTART"),
    ("DTSTART;VALUE=DATE:20260230\r\nSUMMARY:Typo\r\n", "DTSTART cannot be read"),
])
def test_a_bad_event_names_the_line(tmp_path: Path, event: str, problem: str) -> None:
    path = write(tmp_path, ics("DTSTART;VALUE=DATE:20260711\r\nSUMMARY:Fine\r\n", event), "closures.ics")
    message = error_of(path)
    assert message.startswith(f"{path} line 9: "), message
    assert problem in message


def test_a_file_that_is_not_icalendar(tmp_path: Path) -> None:
    assert "is not an iCalendar file" in error_of(write(tmp_path, "hello", "closures.ics"))


# -- the source and the service ----------------------------------------------------------------------


def test_the_source_reads_both_files_and_fingerprints_them(tmp_path: Path) -> None:
    toml = write(tmp_path, BRIDGE)
    ical = write(tmp_path, ics("DTSTART;VALUE=DATE:20260711\r\nSUMMARY:Flemish Community Day\r\n"), "x.ics")
    source = FileClosureSource(toml, ical)
    assert [c.date.isoformat() for c in source.load()] == ["2026-05-15", "2026-07-11"]
    before = source.fingerprint()
    os.utime(toml, ns=(1_000_000_000, 1_000_000_000))
    assert source.fingerprint() != before


def test_build_from_settings_uses_the_configured_files(make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ical = write(tmp_path, ics("DTSTART;VALUE=DATE:20270507\r\nSUMMARY:Bridge day\r\n"), "x.ics")
    settings = make_settings(closures_ical=str(ical))
    service = build_calendar_service(settings, NOW)
    assert "2027-05-07" in [d.date.isoformat() for d in service.closures(2027)]
    assert "2026-05-15" in [d.date.isoformat() for d in service.closures(2026)]
    none = build_calendar_service(make_settings(closures_file=Path("")), NOW)
    assert "2026-05-15" not in [d.date.isoformat() for d in none.closures(2026)]


class Ticker:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_service_reloads_changed_files_at_most_every_few_seconds(make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "")
    ticker = Ticker()
    service = CalendarService(calendar_factory(make_settings()), FileClosureSource(path), NOW,
                              recheck_s=5.0, monotonic=ticker)
    assert service.calendar.is_working_day(date(2026, 5, 15))
    path.write_text(BRIDGE, encoding="utf-8")
    os.utime(path, ns=(2_000_000_000, 2_000_000_000))
    ticker.now = 4.9
    assert service.calendar.is_working_day(date(2026, 5, 15))
    ticker.now = 5.0
    assert not service.calendar.is_working_day(date(2026, 5, 15))
    assert service.version == 2 and service.reload_error is None


def test_a_bad_edit_keeps_the_previous_closures(make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, BRIDGE)
    service = CalendarService(calendar_factory(make_settings()), FileClosureSource(path), NOW, recheck_s=0)
    path.write_text(BRIDGE + "\n[[closure]]\ndate = 2026-02-30\n", encoding="utf-8")
    os.utime(path, ns=(3_000_000_000, 3_000_000_000))
    assert service.reload_if_changed() is False
    assert service.reload_error is not None and "line 9" in service.reload_error
    assert not service.calendar.is_working_day(date(2026, 5, 15))
    assert service.version == 1


def test_the_service_answers_with_its_clock(make_settings) -> None:  # type: ignore[no-untyped-def]
    service = CalendarService(calendar_factory(make_settings()), NoClosures(), NOW)
    assert service.status().as_dict() == {"open": True, "reason": None,
                                          "next_close": "2026-06-01T12:30:00+02:00"}
    assert service.is_open()
    assert service.closures()[0].date == date(2026, 1, 1)
    received = service.parse_datetime("2026-06-01T10:00", "received")
    assert service.deadline(received, "competence").due.isoformat() == "2026-06-08T16:30:00+02:00"


def test_saturday_setting_reaches_the_competence_track(make_settings) -> None:  # type: ignore[no-untyped-def]
    make = calendar_factory(make_settings(competence_counts_saturdays=True, competence_working_days=5))
    calendar = make([Closure(date(2026, 5, 15), {"en": "Bridge day"})])
    assert calendar.deadline(datetime(2026, 5, 13, 9, tzinfo=UTC), "competence").due.day == 21
