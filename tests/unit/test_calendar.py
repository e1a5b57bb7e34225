"""The office calendar: opening hours, closures, status and working-day deadlines (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from callcenter.domain.calendar import (
    DEFAULT_TRACKS,
    Closure,
    OfficeCalendar,
    OpeningHours,
    Track,
    UnknownTrack,
)
from callcenter.domain.calendar_input import InvalidDateTime, YearOutOfRange, parse_datetime, parse_year
from callcenter.domain.closures import UnknownLanguage, check_lang, public_holidays
from callcenter.domain.errors import CalendarConfigError, InvalidInput
from callcenter.domain.opening_hours import InvalidOpeningHours

BRU = ZoneInfo("Europe/Brussels")
HOURS = "mon-thu 08:30-12:30 13:00-16:30; fri 08:30-12:30 13:00-16:00"
BRIDGES_2026 = [
    Closure(date(2026, 5, 15), {"fr": "Jour de pont (Ascension)", "en": "Bridge day (Ascension)"}),
    Closure(date(2026, 7, 20), {"fr": "Jour de pont (Fête nationale)", "en": "Bridge day (National Day)"}),
]
CLOSED_2026 = ["2026-01-01", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-15", "2026-05-25",
               "2026-07-20", "2026-07-21", "2026-11-02", "2026-11-11", "2026-12-25", "2026-12-28",
               "2026-12-29", "2026-12-30", "2026-12-31"]


def make_calendar(closures: list[Closure] = BRIDGES_2026, hours: str = HOURS, *,
                  saturdays: bool = False, **options: bool) -> OfficeCalendar:
    tracks = (DEFAULT_TRACKS[0], Track("competence", 5, counts_saturdays=saturdays))
    return OfficeCalendar(OpeningHours.parse(hours), "Europe/Brussels", closures, tracks=tracks, **options)


def bru(text: str) -> datetime:
    """Read a Brussels wall-clock time such as '2026-12-24T10:00'."""
    return datetime.fromisoformat(text).replace(tzinfo=BRU)


@pytest.fixture
def cal() -> OfficeCalendar:
    return make_calendar()


# -- opening hours -----------------------------------------------------------------------------------


def test_opening_hours_parse_the_default_setting() -> None:
    hours = OpeningHours.parse(HOURS)
    assert [len(hours.intervals(d)) for d in range(7)] == [2, 2, 2, 2, 2, 0, 0]
    assert f"{hours.closing(3):%H:%M}" == "16:30" and f"{hours.closing(4):%H:%M}" == "16:00"
    assert OpeningHours.parse(hours.describe()) == hours


def test_opening_hours_accept_comma_lists_and_saturdays() -> None:
    hours = OpeningHours.parse("mon,wed-thu 09:00-12:00; sat 10:00-11:00")
    assert [hours.opens_on(d) for d in range(7)] == [True, False, True, True, False, True, False]


@pytest.mark.parametrize(("text", "quoted"), [
    ("mon-thu", "'mon-thu'"),
    ("mon-thu 8:30-12:30", "'8:30-12:30'"),
    ("mon-thu 08:30-24:00", "'08:30-24:00'"),
    ("mon-thu 12:30-08:30", "ends before it starts"),
    ("mon-thu 08:30-12:30 12:00-16:30", "overlapping"),
    ("monday 08:30-12:30", "'monday'"),
    ("fri-mon 08:30-12:30", "runs backwards"),
    ("mon-fri 08:30-12:30; fri 13:00-16:00", "fri twice"),
    ("", "open on no day"),
])
def test_opening_hours_refuse_bad_text_with_a_clear_error(text: str, quoted: str) -> None:
    with pytest.raises(InvalidOpeningHours) as caught:
        OpeningHours.parse(text)
    assert quoted in caught.value.message
    assert isinstance(caught.value, CalendarConfigError)


# -- open or closed ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("at", "is_open"), [
    ("2026-03-04T08:29", False), ("2026-03-04T08:30", True), ("2026-03-04T12:29", True),
    ("2026-03-04T12:30", False), ("2026-03-04T12:45", False), ("2026-03-04T13:00", True),
    ("2026-03-05T16:29", True), ("2026-03-05T16:30", False),
    ("2026-03-06T15:59", True), ("2026-03-06T16:00", False), ("2026-03-06T16:15", False),
    ("2026-03-07T10:00", False), ("2026-03-08T10:00", False),
    ("2026-04-03T10:00", True),  # Good Friday: a bank holiday only
    ("2026-05-15T10:00", False),  # the Friday after Ascension, a bridge day in 2026
    ("2027-05-07T10:00", True),  # the Friday after Ascension without a bridge day
    ("2026-11-02T10:00", False), ("2026-12-24T10:00", True), ("2026-12-28T10:00", False),
])
def test_is_open_follows_hours_lunch_and_closures(cal: OfficeCalendar, at: str, is_open: bool) -> None:
    assert cal.is_open(bru(at)) is is_open


def test_status_on_christmas_names_the_holiday_and_the_next_opening(cal: OfficeCalendar) -> None:
    status = cal.status(bru("2026-12-25T10:00"))
    assert status.as_dict() == {"open": False, "reason": "Christmas Day",
                                "next_open": "2027-01-04T08:30:00+01:00"}
    assert cal.status(bru("2026-12-25T10:00"), "fr").reason == "Noël"
    assert cal.status(bru("2026-12-25T10:00"), "nl").reason == "Kerstmis"
    assert cal.status(bru("2026-12-25T10:00"), "de").reason == "Weihnachten"


def test_status_when_open_gives_the_next_close(cal: OfficeCalendar) -> None:
    assert cal.status(bru("2026-03-04T10:00")).as_dict() == {
        "open": True, "reason": None, "next_close": "2026-03-04T12:30:00+01:00"}
    assert cal.status(bru("2026-03-06T13:00")).next_close == bru("2026-03-06T16:00")


def test_status_at_lunch_and_after_hours(cal: OfficeCalendar) -> None:
    lunch = cal.status(bru("2026-03-04T12:45"))
    assert (lunch.open, lunch.reason) == (False, "outside opening hours")
    assert lunch.next_open == bru("2026-03-04T13:00")
    assert cal.status(bru("2026-03-06T16:00")).next_open == bru("2026-03-09T08:30")
    assert cal.status(bru("2026-03-07T10:00"), "fr").reason == "en dehors des heures d'ouverture"
    assert cal.status(bru("2026-05-15T09:00")).reason == "Bridge day (Ascension)"


def test_next_open_and_close_are_strictly_after(cal: OfficeCalendar) -> None:
    assert cal.next_open(bru("2026-03-04T08:30")) == bru("2026-03-04T13:00")
    assert cal.next_close(bru("2026-03-04T12:30")) == bru("2026-03-04T16:30")
    assert cal.next_close(bru("2026-03-07T10:00")) == bru("2026-03-09T12:30")


def test_spring_dst_change(cal: OfficeCalendar) -> None:
    status = cal.status(bru("2026-03-28T11:00"))  # Saturday; clocks go forward on Sunday the 29th
    assert status.next_open is not None and status.next_open.isoformat() == "2026-03-30T08:30:00+02:00"
    assert cal.is_open(datetime(2026, 3, 30, 6, 30, tzinfo=UTC))  # 08:30 summer time
    assert not cal.is_open(datetime(2026, 3, 30, 6, 29, tzinfo=UTC))
    assert not cal.is_open(datetime(2026, 3, 27, 15, 0, tzinfo=UTC))  # 16:00 winter time, a Friday


def test_autumn_dst_change(cal: OfficeCalendar) -> None:
    status = cal.status(bru("2026-10-23T16:30"))  # Friday; clocks go back on Sunday the 25th
    assert status.next_open is not None and status.next_open.isoformat() == "2026-10-26T08:30:00+01:00"
    assert cal.is_open(datetime(2026, 10, 26, 7, 30, tzinfo=UTC))
    assert not cal.is_open(datetime(2026, 10, 23, 6, 29, tzinfo=UTC))  # 08:29 summer time
    assert cal.is_open(datetime(2026, 10, 23, 6, 30, tzinfo=UTC))


def test_naive_datetimes_are_refused(cal: OfficeCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.is_open(datetime(2026, 3, 4, 10, 0))


# -- closures ----------------------------------------------------------------------------------------


def test_closures_2026_are_the_15_weekdays_of_the_reference(cal: OfficeCalendar) -> None:
    days = cal.closures(2026)
    assert [d.date.isoformat() for d in days] == CLOSED_2026
    by_date = {d.date.isoformat(): d for d in cal.closures(2026, "fr")}
    assert by_date["2026-11-02"].name == "Jour des défunts"
    assert by_date["2026-12-29"].name == "Fermeture de fin d'année"
    assert by_date["2026-05-15"].source == "operator"
    assert by_date["2026-12-25"].source == "public-holiday"


def test_a_year_without_bridge_days_has_only_the_built_in_closures(cal: OfficeCalendar) -> None:
    assert [d.date.isoformat() for d in cal.closures(2027)] == [
        "2027-01-01", "2027-03-29", "2027-05-06", "2027-05-17", "2027-07-21", "2027-11-01", "2027-11-02",
        "2027-11-11", "2027-11-15", "2027-12-27", "2027-12-28", "2027-12-29", "2027-12-30", "2027-12-31"]
    sources = {d.source for d in cal.closures(2027)}
    assert sources == {"public-holiday", "federal-staff-holiday", "year-end-closure"}


def test_every_closure_has_a_name_in_four_languages() -> None:
    cal = make_calendar([])
    for lang in ("fr", "nl", "de", "en"):
        names = [d.name for d in cal.closures(2026, lang)]
        assert all(names) and len(set(names)) > 5
    assert all(len(c.names) == 4 for c in public_holidays(2026))


def test_federal_staff_days_and_year_end_can_be_switched_off() -> None:
    cal = make_calendar([], federal_staff_holidays=False, year_end_closure=False)
    dates = [d.date.isoformat() for d in cal.closures(2026)]
    assert "2026-11-02" not in dates and "2026-12-28" not in dates
    assert cal.is_working_day(date(2026, 12, 28)) and cal.is_working_day(date(2026, 11, 2))


def test_closures_list_saturdays_of_an_office_open_on_saturday() -> None:
    cal = make_calendar([], hours="mon-sat 09:00-12:00")
    assert "2026-08-15" in [d.date.isoformat() for d in cal.closures(2026)]
    assert "2026-08-15" not in [d.date.isoformat() for d in make_calendar([]).closures(2026)]


def test_closure_names_fall_back_to_another_language() -> None:
    closure = Closure(date(2026, 6, 1), {"nl": "Sluiting"})
    assert closure.name("fr") == "Sluiting"
    assert Closure(date(2026, 6, 1), {"fr": "Fermeture", "en": "Closed"}).name("de") == "Closed"
    with pytest.raises(ValueError):
        Closure(date(2026, 6, 1), {})


def test_operator_closures_never_hide_a_public_holiday_name() -> None:
    cal = make_calendar([Closure(date(2026, 12, 25), {"en": "Office party"})])
    assert cal.closures(2026)[-5].name == "Christmas Day"


def test_years_and_languages_are_checked(cal: OfficeCalendar) -> None:
    with pytest.raises(YearOutOfRange):
        cal.closures(1999)
    with pytest.raises(YearOutOfRange):
        cal.status(bru("2101-03-04T10:00"))
    with pytest.raises(UnknownLanguage, match="use fr, nl, de or en"):
        cal.closures(2026, "es")
    assert isinstance(UnknownLanguage("x"), InvalidInput)
    assert check_lang("nl") == "nl"


def test_a_calendar_that_never_opens_is_a_configuration_error() -> None:
    sundays = [Closure(date(2026, 1, 4) + timedelta(weeks=n), {"en": "Closed"}) for n in range(200)]
    cal = make_calendar(sundays, hours="sun 09:00-10:00")
    with pytest.raises(CalendarConfigError, match="does not open"):
        cal.next_open(bru("2026-01-05T10:00"))


# -- deadlines ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("received", "track", "due"), [
    ("2026-12-24T10:00", "standard", "2027-01-05T16:30:00+01:00"),
    ("2026-03-27T16:05", "standard", "2026-04-01T16:30:00+02:00"),
    ("2026-05-13T11:00", "competence", "2026-05-22T16:00:00+02:00"),
])
def test_reference_deadlines(cal: OfficeCalendar, received: str, track: str, due: str) -> None:
    assert cal.deadline(bru(received), track).due.isoformat() == due


def test_deadline_lists_counted_and_skipped_days(cal: OfficeCalendar) -> None:
    deadline = cal.deadline(bru("2026-12-24T10:00"), "standard", "fr")
    assert deadline.day_of_receipt == date(2026, 12, 24)
    assert deadline.working_days == (date(2027, 1, 4), date(2027, 1, 5))
    assert deadline.skipped[0] == (date(2026, 12, 25), "Noël")
    assert [d.isoformat() for d, _ in deadline.skipped] == [
        "2026-12-25", "2026-12-26", "2026-12-27", "2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31",
        "2027-01-01", "2027-01-02", "2027-01-03"]
    assert deadline.as_dict()["skipped"][2] == {"date": "2026-12-27", "reason": "dimanche"}


def test_received_after_closing_counts_from_the_next_working_day(cal: OfficeCalendar) -> None:
    deadline = cal.deadline(bru("2026-03-27T16:05"))
    assert deadline.day_of_receipt == date(2026, 3, 30)
    assert deadline.skipped[0] == (date(2026, 3, 27), "received after closing time")
    assert cal.deadline(bru("2026-03-05T16:30")).day_of_receipt == date(2026, 3, 6)
    assert cal.deadline(bru("2026-03-05T16:29")).day_of_receipt == date(2026, 3, 5)


def test_received_before_opening_or_at_lunch_is_received_that_day(cal: OfficeCalendar) -> None:
    assert cal.deadline(bru("2026-03-02T06:00")).due == bru("2026-03-04T16:30")
    assert cal.deadline(bru("2026-03-02T12:45")).due == bru("2026-03-04T16:30")


def test_received_on_a_closed_day(cal: OfficeCalendar) -> None:
    on_holiday = cal.deadline(bru("2026-05-14T10:00"))  # Ascension; the 15th is a bridge day
    assert on_holiday.day_of_receipt == date(2026, 5, 18)
    assert on_holiday.due == bru("2026-05-20T16:30")
    assert on_holiday.skipped[:2] == ((date(2026, 5, 14), "Ascension Day"),
                                      (date(2026, 5, 15), "Bridge day (Ascension)"))
    on_saturday = cal.deadline(bru("2026-03-07T10:00"))
    assert on_saturday.day_of_receipt == date(2026, 3, 9)
    assert on_saturday.due == bru("2026-03-11T16:30")


def test_deadline_over_the_autumn_dst_change_uses_wall_clock_dates(cal: OfficeCalendar) -> None:
    deadline = cal.deadline(bru("2026-10-23T10:00"))
    assert deadline.due.isoformat() == "2026-10-27T16:30:00+01:00"
    received_utc = datetime(2026, 10, 23, 8, 0, tzinfo=UTC)
    assert cal.deadline(received_utc).due == deadline.due


def test_received_in_utc_just_after_friday_closing(cal: OfficeCalendar) -> None:
    assert cal.deadline(datetime(2026, 3, 27, 14, 59, tzinfo=UTC)).due == bru("2026-03-31T16:30")
    assert cal.deadline(datetime(2026, 3, 27, 15, 0, tzinfo=UTC)).due == bru("2026-04-01T16:30")


def test_competence_track_with_saturdays_counts_free_saturdays() -> None:
    cal = make_calendar(saturdays=True)
    deadline = cal.deadline(bru("2026-05-13T11:00"), "competence")
    assert date(2026, 5, 16) in deadline.working_days
    assert deadline.due.isoformat() == "2026-05-21T16:30:00+02:00"
    assert cal.deadline(bru("2026-05-13T11:00"), "standard").due == bru("2026-05-19T16:30")


def test_competence_deadline_on_a_saturday_moves_to_the_next_opening_day() -> None:
    deadline = make_calendar(saturdays=True).deadline(bru("2026-03-02T10:00"), "competence")
    assert deadline.working_days[-1] == date(2026, 3, 7)
    assert deadline.due == bru("2026-03-09T16:30")
    assert deadline.skipped == ((date(2026, 3, 8), "Sunday"),)


def test_a_saturday_holiday_does_not_count_on_the_competence_track() -> None:
    deadline = make_calendar(saturdays=True).deadline(bru("2026-08-10T10:00"), "competence")
    assert (date(2026, 8, 15), "Assumption Day") in deadline.skipped
    assert deadline.due == bru("2026-08-17T16:30")


def test_unknown_track_is_a_typed_input_error(cal: OfficeCalendar) -> None:
    with pytest.raises(UnknownTrack, match="use standard or competence") as caught:
        cal.deadline(bru("2026-03-02T10:00"), "express")
    assert isinstance(caught.value, InvalidInput) and caught.value.code == "unknown-track"


def test_deadlines_are_memoised_per_day_of_receipt(cal: OfficeCalendar) -> None:
    morning = cal.deadline(bru("2026-03-02T09:00"))
    assert cal.deadline(bru("2026-03-02T11:00")) is morning
    assert cal.deadline(bru("2026-03-02T17:00")) is not morning


def test_new_closures_change_deadlines(cal: OfficeCalendar) -> None:
    before = cal.deadline(bru("2027-05-05T10:00"))
    bridge = Closure(date(2027, 5, 7), {"en": "Bridge day"})
    after = cal.with_closures([*cal.extra_closures, bridge]).deadline(bru("2027-05-05T10:00"))
    assert (before.due, after.due) == (bru("2027-05-10T16:30"), bru("2027-05-11T16:30"))


def test_a_deadline_late_in_the_last_year_runs_into_the_next(cal: OfficeCalendar) -> None:
    assert cal.deadline(bru("2100-12-24T10:00")).due.year == 2101


def test_a_zero_day_track_is_due_at_closing_on_the_day_of_receipt() -> None:
    cal = OfficeCalendar(OpeningHours.parse(HOURS), tracks=[Track("same-day", 0)])
    assert cal.deadline(bru("2026-03-06T09:00"), "same-day").due == bru("2026-03-06T16:00")


# -- input -------------------------------------------------------------------------------------------


def test_parse_datetime_reads_naive_times_as_brussels_and_keeps_offsets() -> None:
    assert parse_datetime("2026-12-24T10:00", BRU) == bru("2026-12-24T10:00")
    assert parse_datetime("2026-12-24T09:00Z", BRU) == bru("2026-12-24T10:00")
    assert parse_datetime(" 2026-07-01T10:00+02:00 ", BRU).utcoffset() is not None


def test_parse_datetime_refuses_bad_text_with_one_sentence() -> None:
    with pytest.raises(InvalidDateTime) as caught:
        parse_datetime("2026-13-01", BRU, "received")
    assert caught.value.message == ("'2026-13-01' is not a date and time (use ISO 8601, "
                                    "e.g. 2026-12-24T10:00).")
    assert "received" in caught.value.fields
    with pytest.raises(YearOutOfRange):
        parse_datetime("1999-12-24T10:00", BRU)


def test_parse_year() -> None:
    assert parse_year(" 2026 ") == 2026
    with pytest.raises(YearOutOfRange, match="'abc' is not a year"):
        parse_year("abc")
    with pytest.raises(YearOutOfRange, match="2000–2100"):
        parse_year("2101")
