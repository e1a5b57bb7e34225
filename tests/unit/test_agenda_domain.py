"""Pure agenda rules: interval arithmetic, a day's availability, ranking, import planning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from callcenter.domain.agenda import (
    ABSENCE,
    AVAILABLE,
    ICAL,
    MANUAL,
    AgendaEntry,
    DayAvailability,
    ExpertAvailability,
    ImportedEvent,
    Interval,
    day_availability,
    entry_interval,
    intersect,
    local_day,
    merge,
    rank_experts,
    subtract,
)
from callcenter.domain.agenda_feeds import imported_uid, plan_import
from callcenter.domain.errors import InvalidInput

BRUSSELS = ZoneInfo("Europe/Brussels")


def t(hh: int, mm: int = 0, day: int = 1) -> datetime:
    """Return 2026-12-<day> hh:mm in Brussels (UTC+1 in December), as UTC."""
    return datetime(2026, 12, day, hh, mm, tzinfo=BRUSSELS).astimezone(UTC)


def iv(a: datetime, b: datetime) -> Interval:
    return Interval(a, b)


def entry(kind: str, start: datetime, end: datetime, id: int = 1, source: str = MANUAL,
          uid: str = "x") -> AgendaEntry:
    return AgendaEntry(id, 7, kind, Interval(start, end), "", source, uid)


def test_merge_joins_overlapping_and_touching_intervals() -> None:
    merged = merge([iv(t(11), t(12)), iv(t(9), t(10)), iv(t(10), t(10, 30)), iv(t(9, 15), t(9, 45))])
    assert merged == [iv(t(9), t(10, 30)), iv(t(11), t(12))]


def test_subtract_leaves_the_gaps() -> None:
    free = subtract(iv(t(8), t(17)), [iv(t(9), t(10)), iv(t(7), t(8, 30)), iv(t(16), t(18))])
    assert free == [iv(t(8, 30), t(9)), iv(t(10), t(16))]


def test_intersect_keeps_common_parts() -> None:
    assert intersect([iv(t(9), t(12))], [iv(t(8), t(10)), iv(t(11), t(13))]) == [
        iv(t(9), t(10)), iv(t(11), t(12))]


def test_interval_refuses_naive_or_empty_spans() -> None:
    with pytest.raises(ValueError):
        Interval(datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 10))
    with pytest.raises(ValueError):
        Interval(t(10), t(10))


def test_local_day_follows_daylight_saving_time() -> None:
    day = local_day(datetime(2026, 3, 29, 12, tzinfo=UTC), BRUSSELS)
    assert day.end - day.start == timedelta(hours=23)
    assert day.start == datetime(2026, 3, 28, 23, tzinfo=UTC)


def test_entry_interval_explains_bad_input() -> None:
    with pytest.raises(InvalidInput) as exc:
        entry_interval(t(10), t(9))
    assert exc.value.fields == {"ends_at": "not after start"}
    with pytest.raises(InvalidInput):
        entry_interval(datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 10))


def test_free_all_day_without_entries() -> None:
    day = local_day(t(10), BRUSSELS)
    a = day_availability([], t(10), day)
    assert a.available_now and a.next_free_at == t(10)
    assert a.free_today == (iv(t(10), day.end),) and a.busy_today == ()


def test_absence_now_gives_next_free_moment() -> None:
    day = local_day(t(10), BRUSSELS)
    a = day_availability([entry(ABSENCE, t(9), t(11)), entry(ABSENCE, t(14), t(15))], t(10), day)
    assert not a.available_now
    assert a.next_free_at == t(11)
    assert a.free_today == (iv(t(11), t(14)), iv(t(15), day.end))
    assert a.busy_today == (iv(t(9), t(11)), iv(t(14), t(15)))


def test_slots_restrict_the_day_and_absences_cut_them() -> None:
    day = local_day(t(8), BRUSSELS)
    entries = [entry(AVAILABLE, t(9), t(12)), entry(ABSENCE, t(10), t(10, 30))]
    a = day_availability(entries, t(8), day)
    assert not a.available_now
    assert a.free_today == (iv(t(9), t(10)), iv(t(10, 30), t(12)))


def test_open_hours_bound_availability() -> None:
    day = local_day(t(12, 45), BRUSSELS)
    hours = [iv(t(8, 30), t(12, 30)), iv(t(13), t(16, 30))]
    a = day_availability([], t(12, 45), day, hours)
    assert not a.available_now and a.next_free_at == t(13)
    assert a.free_today == (iv(t(13), t(16, 30)),)
    closed = day_availability([], t(10), day, [])
    assert closed == DayAvailability(False, None, (), ())


def test_entries_of_other_days_do_not_count() -> None:
    day = local_day(t(10), BRUSSELS)
    a = day_availability([entry(ABSENCE, t(9, day=2), t(17, day=2))], t(10), day)
    assert a.available_now and a.busy_today == ()


def test_rank_puts_available_now_first_then_soonest_free() -> None:
    def expert(user_id: int, name: str, now: bool, next_free: datetime | None) -> ExpertAvailability:
        return ExpertAvailability(user_id, name, name.title(), DayAvailability(now, next_free, (), ()))

    ranked = rank_experts([expert(1, "zoe", False, None), expert(2, "yann", False, t(14)),
                           expert(3, "xavier", True, t(10)), expert(4, "anna", False, t(11)),
                           expert(5, "bea", True, t(10))])
    assert [e.username for e in ranked] == ["bea", "xavier", "anna", "yann", "zoe"]


def test_plan_import_adds_changes_removes_and_keeps() -> None:
    window = iv(t(0), t(0, day=10))
    stored = [entry(ABSENCE, t(9), t(10), 1, ICAL, imported_uid(3, "same")),
              entry(ABSENCE, t(9, day=2), t(10, day=2), 2, ICAL, imported_uid(3, "moved")),
              entry(ABSENCE, t(9, day=3), t(10, day=3), 3, ICAL, imported_uid(3, "gone")),
              entry(ABSENCE, t(9, day=20), t(10, day=20), 4, ICAL, imported_uid(3, "later"))]
    events = [ImportedEvent("same", iv(t(9), t(10)), ""),
              ImportedEvent("moved", iv(t(11, day=2), t(12, day=2)), ""),
              ImportedEvent("new", iv(t(9, day=4), t(10, day=4)), "")]
    plan = plan_import(3, stored, events, window)
    assert [e.uid for e in plan.add] == ["new"]
    assert [(entry_id, e.uid) for entry_id, e in plan.change] == [(2, "moved")]
    assert plan.remove == (3,)  # 4 lies outside the window the feed was read for
    assert plan.unchanged == 1
