"""Service-commitment rules and texts: delay notice routes, transfer targets, recipients, fingerprints."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from callcenter.domain.calendar import OfficeCalendar
from callcenter.domain.closures import Closure
from callcenter.domain.errors import RuleViolation
from callcenter.domain.identity import Role
from callcenter.domain.notice_texts import (
    LANGUAGES,
    delay_notice_text,
    format_day,
    format_moment,
    reminder_text,
)
from callcenter.domain.opening_hours import OpeningHours
from callcenter.domain.questions import Channel, Question, QuestionType, Status, Track
from callcenter.domain.sla import (
    NotAnExpert,
    NotCompetent,
    NoticeRoute,
    NoWayToNotify,
    callback_due,
    check_expected_due,
    check_transfer_target,
    deadline_rules_fingerprint,
    notice_route,
    reminder_job_id,
    reminder_recipients,
)
from tests.unit.sla_fakes import staff

BRUSSELS = ZoneInfo("Europe/Brussels")
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
QUESTION = Question(1, "2026-1234-5678-97", 1, QuestionType.QUESTION, Channel.PHONE, Channel.PHONE, None,
                    None, "Revenu d'intégration", T0, Status.REGISTERED, 3, Track.STANDARD,
                    T0 + timedelta(days=1))


def test_dates_are_written_as_in_a_letter() -> None:
    first = datetime(2026, 12, 1, 16, 30, tzinfo=BRUSSELS)
    assert format_day(first, "fr") == "mardi 1er décembre 2026"
    assert format_day(first, "nl") == "dinsdag 1 december 2026"
    assert format_day(first, "de") == "Dienstag, 1. Dezember 2026"
    assert format_moment(first, "fr") == "mardi 1er décembre 2026 à 16h30"
    assert format_moment(first, "nl") == "dinsdag 1 december 2026 om 16.30 uur"
    assert format_moment(first, "en") == "Tuesday 1 December 2026 at 16:30"
    assert format_day(first, "xx") == format_day(first, "fr")  # unknown: the office's default language


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_is_complete_in_every_language(lang: str) -> None:
    due = datetime(2026, 12, 3, 16, 30, tzinfo=BRUSSELS)
    notice = delay_notice_text(lang, "2026-1234-5678-97", "Nous attendons le CPAS {x}", due)
    reminder = reminder_text(lang, name="Marie", registration_number="2026-1234-5678-97", about="RIS",
                             due_local=due, owner=None, status="delayed")
    for text in (notice.subject, notice.body, reminder.subject, reminder.body):
        assert "2026-1234-5678-97" in text
        assert "{" not in text.replace("{x}", "")  # every placeholder filled, the reason quoted as typed
    assert "Nous attendons le CPAS {x}" in notice.body and format_day(due, lang) in notice.body
    assert format_moment(due, lang) in reminder.body and "Marie" in reminder.body


def test_a_delay_notice_follows_the_reply_channel() -> None:
    by_mail = replace(QUESTION, channel=Channel.LETTER, reply_channel=Channel.EMAIL)
    assert notice_route(by_mail, has_email=True, has_phone=False) is NoticeRoute.EMAIL
    assert notice_route(QUESTION, has_email=True, has_phone=True) is NoticeRoute.CALLBACK
    web = replace(QUESTION, channel=Channel.WEB, reply_channel=Channel.WEB)
    assert notice_route(web, has_email=True, has_phone=True) is NoticeRoute.EMAIL
    assert notice_route(web, has_email=False, has_phone=True) is NoticeRoute.CALLBACK
    with pytest.raises(NoWayToNotify):
        notice_route(by_mail, has_email=False, has_phone=True)
    with pytest.raises(NoWayToNotify):
        notice_route(QUESTION, has_email=True, has_phone=False)


def test_the_new_date_of_a_delay_notice_is_later_than_now_and_than_the_due_time() -> None:
    check_expected_due(QUESTION, QUESTION.due_at + timedelta(days=2), T0)
    with pytest.raises(RuleViolation):
        check_expected_due(QUESTION, T0 - timedelta(minutes=1), T0)
    with pytest.raises(RuleViolation):
        check_expected_due(QUESTION, QUESTION.due_at, T0)
    assert callback_due(QUESTION.due_at, T0) == QUESTION.due_at
    assert callback_due(T0 - timedelta(days=1), T0) == T0  # already late: call today


def test_transfers_go_to_active_experts_competent_unless_forced() -> None:
    expert = staff(5, Role.EXPERT)
    assert check_transfer_target(expert, 5, ["ris"], "ris", force=False) is True
    assert check_transfer_target(expert, 5, ["other"], "ris", force=True) is False
    with pytest.raises(NotCompetent):
        check_transfer_target(expert, 5, ["other"], "ris", force=False)
    with pytest.raises(NotCompetent):
        check_transfer_target(expert, 5, ["ris"], None, force=False)
    for refused in (staff(5, Role.AGENT), staff(5, Role.EXPERT, active=False), None):
        with pytest.raises(NotAnExpert):
            check_transfer_target(refused, 5, ["ris"], "ris", force=True)


def test_reminders_go_to_the_owner_and_the_active_coordinators_once() -> None:
    owner, coordinator = staff(3, Role.AGENT), staff(7, Role.COORDINATOR)
    both = staff(9, Role.AGENT, Role.COORDINATOR)
    users = [owner, coordinator, both, staff(8, Role.COORDINATOR, active=False)]
    assert [u.id for u in reminder_recipients(owner, users)] == [3, 7, 9]
    assert [u.id for u in reminder_recipients(both, users)] == [9, 7]
    assert [u.id for u in reminder_recipients(None, users)] == [7, 9]
    assert [u.id for u in reminder_recipients(staff(3, active=False), users)] == [7, 9]


def test_the_rules_fingerprint_changes_with_the_closures_only() -> None:
    hours = OpeningHours.parse("mon-fri 08:30-16:30")
    bridge = Closure(date(2027, 5, 7), {"en": "Bridge day"})
    plain = deadline_rules_fingerprint(OfficeCalendar(hours, BRUSSELS))
    assert deadline_rules_fingerprint(OfficeCalendar(hours, BRUSSELS)) == plain
    assert deadline_rules_fingerprint(OfficeCalendar(hours, BRUSSELS, [bridge])) != plain
    renamed = Closure(date(2027, 5, 7), {"fr": "Pont"})
    assert (deadline_rules_fingerprint(OfficeCalendar(hours, BRUSSELS, [renamed]))
            == deadline_rules_fingerprint(OfficeCalendar(hours, BRUSSELS, [bridge])))


def test_a_breach_names_its_job_the_same_way_in_every_time_zone() -> None:
    due = datetime(2026, 11, 30, 16, 30, tzinfo=BRUSSELS)
    number = "2026-1234-5678-97"
    assert reminder_job_id(number, due) == f"sla-reminder-{number}-20261130T153000000000Z"
    assert reminder_job_id(number, due.astimezone(UTC)) == reminder_job_id(number, due)
