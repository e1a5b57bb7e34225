"""Service-commitment use cases against hand-written fakes: reminders, the sweep, delay notices, transfers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from callcenter.domain.agenda import DayAvailability, ExpertAvailability, Interval
from callcenter.domain.calendar import Deadline, OfficeCalendar
from callcenter.domain.closures import Closure
from callcenter.domain.identity import Role
from callcenter.domain.opening_hours import OpeningHours
from callcenter.domain.questions import EventKind, QuestionNotOpen, Status
from callcenter.domain.sla import CallbackTaskDone, NotAnExpert, NotCompetent, ReminderOutcome
from callcenter.services.clock import FixedClock
from callcenter.services.contacts import ContactIn, ContactService
from callcenter.services.crm_ports import FixedCoordinator
from callcenter.services.questions import QuestionService, RegisterQuestion
from callcenter.services.sla import SlaService
from callcenter.services.topics import TopicIn, TopicService
from callcenter.services.workflows import WorkflowService
from tests.unit.sla_fakes import (
    FakeCompetences,
    FakeExperts,
    FakeJobQueue,
    FakeMailOutbox,
    FakeSlaUow,
    FakeUsers,
    staff,
)

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Thursday, 10:00 in Brussels
HOURS = OpeningHours.parse("mon-thu 08:30-12:30 13:00-16:30; fri 08:30-12:30 13:00-16:00")


class Closures:
    """The ClosureCalendar port on a real office calendar whose closures a test edits."""

    def __init__(self) -> None:
        self.calendar = OfficeCalendar(HOURS, "Europe/Brussels")

    def close(self, day: date) -> None:
        closures = [*self.calendar.extra_closures, Closure(day, {"en": "x"})]
        self.calendar = self.calendar.with_closures(closures)

    def reload_if_changed(self) -> bool:
        return False

    def deadline(self, received: datetime, track: str) -> Deadline:
        return self.calendar.deadline(received, track)

    def is_working_day(self, day: date) -> bool:
        return self.calendar.is_working_day(day)


class World:
    def __init__(self, experts: list[ExpertAvailability] | None = None) -> None:
        users = FakeUsers(staff(3, Role.AGENT), staff(5, Role.EXPERT, language="nl"), staff(6, Role.AGENT),
                          staff(7, Role.COORDINATOR))
        self.uow = FakeSlaUow(users=users, agendas=FakeCompetences({5: ["ris"], 6: ["ris"]}))
        self.clock = FixedClock(T0)
        self.closures = Closures()
        self.mail = FakeMailOutbox()
        self.jobs = FakeJobQueue()
        factory = lambda: self.uow  # noqa: E731
        self.sla = SlaService(factory, self.clock, self.closures, self.mail, self.jobs, UTC)
        self.questions = QuestionService(factory, self.clock, self.closures, FixedCoordinator(7), UTC)
        self.workflows = WorkflowService(factory, self.clock, self.closures, FakeExperts(experts), self.mail,
                                         self.sla, UTC)
        TopicService(factory).create(TopicIn("ris", {lang: "RIS" for lang in ("fr", "nl", "de", "en")}))

    def ask(self, channel: str = "phone", language: str = "nl", **fields: object) -> str:
        contact = ContactService(lambda: self.uow, self.clock).create(
            ContactIn("Anne", ("0471 12 34 56",), "anne@example.be", language))
        cmd = RegisterQuestion(**{"contact_id": contact.id, "channel": channel, "topic": "ris",  # type: ignore[arg-type]
                                  "owner_user_id": 3, **fields})
        return self.questions.register(cmd, by=3).registration_number

    def kinds(self, number: str) -> list[str]:
        return [e.kind.value for e in self.questions.history(number)]


def test_a_breach_is_reminded_once_to_the_owner_and_the_coordinator() -> None:
    world = World()
    number = world.ask()
    due = world.questions.get(number).due_at
    assert world.sla.remind(number, due).outcome is ReminderOutcome.NOT_DUE_YET
    world.clock.set(due + timedelta(minutes=1))
    first = world.sla.remind(number, due)
    assert (first.outcome, first.recipients) == (ReminderOutcome.REMINDED, (3, 7))
    assert world.sla.remind(number, due).outcome is ReminderOutcome.ALREADY_REMINDED
    assert [m.to_address for m in world.uow.outbox] == ["user3@mi-is.be", "user7@mi-is.be"]
    assert world.mail.delivery_asked == [1, 2]
    reminder = world.questions.history(number)[-1]
    assert reminder.kind is EventKind.REMINDER and reminder.by == "system"
    assert reminder.data["recipients"] == [3, 7]


def test_no_reminder_once_answered_or_moved() -> None:
    world = World()
    answered, moved = world.ask(), world.ask()
    due = world.questions.get(answered).due_at
    world.questions.mark_answered(answered, "front", by=3)
    world.clock.set(due - timedelta(hours=1))
    world.workflows.notify_delay(moved, due + timedelta(days=3), "Waiting for the CPAS.", by=3)
    world.clock.set(due + timedelta(minutes=1))
    assert world.sla.remind(answered, due).outcome is ReminderOutcome.NOT_OPEN
    assert world.sla.remind(moved, due).outcome is ReminderOutcome.DUE_CHANGED
    assert world.uow.outbox == [] and "reminder" not in world.kinds(moved)


def test_the_sweep_reminds_what_is_overdue_and_schedules_what_falls_due_soon() -> None:
    world = World()
    late = world.ask(received_at=T0 - timedelta(days=10))
    soon = world.ask()
    soon_due = world.questions.get(soon).due_at
    world.clock.set(soon_due - timedelta(minutes=10))
    report = world.sla.sweep()
    reminded = [(r.registration_number, r.outcome) for r in report.reminders]
    assert reminded == [(late, ReminderOutcome.REMINDED)]
    assert report.scheduled == 1
    [(func, args, at)] = [job for job_id, job in world.jobs.jobs.items() if soon in job_id]
    assert func == "callcenter.jobs.sla_tasks.send_overdue_reminder"
    assert (args, at) == ((soon, soon_due.astimezone(UTC).isoformat()), soon_due)
    assert world.sla.sweep().reminders == ()


def test_a_delay_notice_by_mail_is_queued_in_the_citizens_language() -> None:
    world = World()
    number = world.ask(channel="letter", language="nl")
    new_due = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    result = world.workflows.notify_delay(number, new_due, "We wachten op het OCMW.", by=3)
    assert (result.question.status, result.question.due_at) == (Status.DELAYED, new_due)
    [mail] = world.uow.outbox
    assert (mail.to_address, mail.language, mail.kind) == ("anne@example.be", "nl", "delay_notice")
    assert "We wachten op het OCMW." in mail.body_text and "vrijdag 4 december 2026" in mail.body_text
    assert world.kinds(number)[-3:] == ["status_changed", "due_changed", "notice_sent"]
    assert any(job[2] == new_due for job in world.jobs.jobs.values())  # the new breach is watched


def test_a_delay_notice_by_phone_gives_the_owner_a_call_back() -> None:
    world = World()
    number = world.ask(channel="phone")
    old_due = world.questions.get(number).due_at
    result = world.workflows.notify_delay(number, old_due + timedelta(days=5), "Dossier incomplet.", by=6)
    task = result.callback_task
    assert task is not None and world.uow.outbox == []
    assert (task.assignee_user_id, task.due_at, task.created_by) == (3, old_due, 6)
    assert [t.id for t in world.workflows.open_callback_tasks(3)] == [task.id]
    done = world.workflows.complete_callback(task.id, by=3, note="Citizen informed.")
    assert done.is_done and world.workflows.open_callback_tasks(3) == []
    assert world.kinds(number)[-1] == "notice_sent"
    with pytest.raises(CallbackTaskDone):
        world.workflows.complete_callback(task.id, by=3)


def test_an_answered_question_gets_no_delay_notice() -> None:
    world = World()
    number = world.ask()
    world.questions.mark_answered(number, "front", by=3)
    with pytest.raises(QuestionNotOpen):
        world.workflows.notify_delay(number, T0 + timedelta(days=9), "Late.", by=3)


def _expert(user_id: int, now: bool, later: bool) -> ExpertAvailability:
    span = (Interval(T0 + timedelta(hours=2), T0 + timedelta(hours=3)),) if later else ()
    return ExpertAvailability(user_id, f"user{user_id}", f"User{user_id}",
                              DayAvailability(now, T0 if now else None, span, ()))


def test_transfer_candidates_are_competent_experts_free_today() -> None:
    ranked = [_expert(5, now=True, later=False), _expert(6, now=True, later=True),
              _expert(8, now=False, later=False)]
    world = World(ranked)
    world.uow.users.rows[8] = staff(8, Role.EXPERT)
    number = world.ask()
    # 6 is competent but an agent; 8 is an expert without a free moment left today.
    assert [e.user_id for e in world.workflows.transfer_candidates(number)] == [5]


def test_a_transfer_makes_the_expert_the_owner() -> None:
    world = World()
    number = world.ask()
    question = world.workflows.transfer(number, 5, by=3, note="Needs the RIS expert.")
    assert (question.status, question.owner_user_id) == (Status.TRANSFERRED, 5)
    owner = world.questions.history(number)[-1]
    assert owner.kind is EventKind.OWNER_CHANGED
    assert owner.data == {"from": 3, "to": 5, "transfer": True, "competent": True, "forced": False,
                          "note": "Needs the RIS expert."}
    answered = world.questions.mark_answered(number, "back", by=5)
    assert answered.answered_by_tier is not None and answered.answered_by_tier.value == "back"


def test_a_transfer_is_refused_to_non_experts_and_non_competent_experts_unless_forced() -> None:
    world = World()
    world.uow.agendas.competences[5] = ["other"]
    number = world.ask()
    with pytest.raises(NotAnExpert):
        world.workflows.transfer(number, 6, by=3, force=True)
    with pytest.raises(NotCompetent):
        world.workflows.transfer(number, 5, by=3)
    assert world.workflows.transfer(number, 5, by=3, force=True).owner_user_id == 5
    assert world.questions.history(number)[-1].data["forced"] is True


def test_due_times_follow_new_closures_once_and_spare_delay_notices() -> None:
    world = World()
    world.sla.recompute_due()  # the rules the questions were registered with
    plain, noticed = world.ask(), world.ask()
    due = world.questions.get(plain).due_at  # Monday 30 November, 16:30
    world.workflows.notify_delay(noticed, due + timedelta(days=1), "Waiting.", by=3)
    world.closures.close(due.date())
    report = world.sla.recompute_due()
    assert report.applied and [c.registration_number for c in report.changed] == [plain]
    assert world.questions.get(plain).due_at == due + timedelta(days=1)
    assert world.questions.history(plain)[-1].data["cause"] == "deadline_rules_changed"
    assert world.sla.recompute_due().applied is False
    assert world.kinds(plain).count("due_changed") == 1
