"""The screen-pop's working days left, counted from per-year running totals, equal the day-by-day count."""

from __future__ import annotations

import os
import random
from datetime import date, timedelta
from pathlib import Path

from callcenter.calendar_files import FileClosureSource
from callcenter.crm_wiring import OfficeWorkingCalendar
from callcenter.domain.questions import working_days_left
from callcenter.services.calendar_service import CalendarService, calendar_factory
from tests.unit.test_calendar_files import BRIDGE, NOW


def test_the_counts_equal_the_day_by_day_count_across_years(make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "closures.toml"
    path.write_text(BRIDGE, encoding="utf-8")
    office = OfficeWorkingCalendar(CalendarService(calendar_factory(make_settings()), FileClosureSource(path),
                                                   NOW))
    rng = random.Random(3)
    pairs = [(date(2026, 5, 14), date(2026, 5, 18)), (date(2026, 5, 18), date(2026, 5, 14)),
             (date(2025, 12, 31), date(2027, 1, 4)), (date(2026, 5, 15), date(2026, 5, 15))]
    for _ in range(2000):
        today = date(2025, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        pairs.append((today, today + timedelta(days=rng.randrange(-400, 400))))
    for today, due_day in pairs:
        if due_day.year >= 2025:
            expected = working_days_left(today, due_day, office.is_working_day)
            assert office.working_days_left(today, due_day) == expected, (today, due_day)
    # Over the bridge day (Friday 15 May 2026): Monday is one working day after Thursday, not two.
    assert office.working_days_left(date(2026, 5, 14), date(2026, 5, 18)) == 1
    assert office.working_days_left(date(2026, 5, 18), date(2026, 5, 14)) == -1


def test_reloaded_closures_are_counted_at_once(make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "closures.toml"
    path.write_text("", encoding="utf-8")
    service = CalendarService(calendar_factory(make_settings()), FileClosureSource(path), NOW, recheck_s=0)
    office = OfficeWorkingCalendar(service)
    assert office.working_days_left(date(2026, 5, 14), date(2026, 5, 18)) == 2
    path.write_text(BRIDGE, encoding="utf-8")
    os.utime(path, ns=(2_000_000_000, 2_000_000_000))
    assert office.working_days_left(date(2026, 5, 14), date(2026, 5, 18)) == 1
