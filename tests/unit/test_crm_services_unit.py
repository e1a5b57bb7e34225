"""CRM services against hand-written fakes: registration rules, status events, the screen-pop's days left."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from callcenter.domain.errors import Conflict, InvalidInput, RuleViolation
from callcenter.domain.questions import EventKind, QuestionNotOpen
from callcenter.services.clock import FixedClock
from callcenter.services.contacts import ContactIn, ContactService
from callcenter.services.crm_ports import FixedCoordinator
from callcenter.services.questions import QuestionService, RegisterQuestion
from callcenter.services.screen_pop import ScreenPopService
from tests.unit.crm_fakes import FakeCalendar, FakeCrmUow

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # a Thursday


class World:
    def __init__(self, coordinator: int | None = 7, closed: set[date] | None = None) -> None:
        self.uow = FakeCrmUow()
        self.clock = FixedClock(T0)
        self.calendar = FakeCalendar(closed)
        self.contacts = ContactService(lambda: self.uow, self.clock)
        self.questions = QuestionService(lambda: self.uow, self.clock, self.calendar,
                                         FixedCoordinator(coordinator), UTC)
        self.pop = ScreenPopService(lambda: self.uow, self.clock, self.calendar, UTC)

    def contact(self, *phones: str, email: str | None = "x@example.be", org: int | None = None) -> int:
        return self.contacts.create(ContactIn("Someone", phones, email, "fr", org)).id

    def ask(self, contact_id: int, **fields: object) -> str:
        cmd = RegisterQuestion(**{"contact_id": contact_id, "channel": "phone", "subject": "s", **fields})  # type: ignore[arg-type]
        return self.questions.register(cmd, by=3).registration_number


def test_registration_asks_the_calendar_with_the_receipt_time_and_track() -> None:
    world = World()
    number = world.ask(world.contact("0471 12 34 56"), track="competence")
    question = world.questions.get(number)
    assert world.calendar.asked == [(T0, "competence")]
    assert question.due_at == datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


def test_complaints_are_routed_to_the_coordinator_or_kept_when_there_is_none() -> None:
    routed = World(coordinator=7)
    number = routed.ask(routed.contact("0471 12 34 56"), type="complaint")
    assert routed.questions.get(number).owner_user_id == 7
    unrouted = World(coordinator=None)
    number = unrouted.ask(unrouted.contact("0471 12 34 56"), type="complaint", owner_user_id=3)
    assert unrouted.questions.get(number).owner_user_id == 3


def test_a_question_cannot_come_from_the_future_nor_answer_without_a_way() -> None:
    world = World()
    anne = world.contact("0471 12 34 56", email=None)
    with pytest.raises(RuleViolation) as future:
        world.ask(anne, received_at=T0 + timedelta(hours=1))
    assert future.value.fields == {"received_at": "in the future"}
    with pytest.raises(RuleViolation):
        world.ask(anne, channel="email")
    with pytest.raises(InvalidInput) as naive:
        world.ask(anne, received_at=datetime(2026, 11, 26, 9))
    assert naive.value.fields == {"received_at": "aware datetime"}


def test_every_change_is_an_event_with_who_and_when() -> None:
    world = World()
    number = world.ask(world.contact("0471 12 34 56"))
    world.questions.assign_owner(number, 12, by=3)
    world.questions.set_due(number, T0 + timedelta(days=9), "Waiting for the CPAS file", by="system")
    world.questions.flag_faq(number, by=12)
    world.questions.flag_faq(number, by=12)  # already flagged: nothing to record
    history = world.questions.history(number)
    assert [e.kind for e in history] == [EventKind.REGISTERED, EventKind.OWNER_CHANGED, EventKind.DUE_CHANGED,
                                         EventKind.FAQ_FLAGGED]
    assert [e.by for e in history] == [3, 3, "system", 12]
    assert all(e.at == T0 for e in history)
    assert history[2].data["reason"] == "Waiting for the CPAS file"


def test_due_and_track_only_change_while_the_question_is_open() -> None:
    world = World()
    number = world.ask(world.contact("0471 12 34 56"))
    with pytest.raises(Conflict):
        world.questions.switch_track(number, "standard", by=3)  # already on it
    world.questions.mark_answered(number, "front", by=3)
    with pytest.raises(QuestionNotOpen):
        world.questions.switch_track(number, "competence", by=3)
    with pytest.raises(QuestionNotOpen):
        world.questions.set_due(number, T0 + timedelta(days=3), "late", by=3)


def test_screen_pop_counts_working_days_with_the_calendar() -> None:
    world = World(closed={date(2026, 11, 27)})  # Friday closed: the standard track ends on Tuesday
    anne = world.contact("0471 12 34 56")
    number = world.ask(anne)
    pop = world.pop.lookup("0471123456")
    [question] = pop["contacts"][0]["open_questions"]
    assert question["registration_number"] == number
    assert (question["due"], question["working_days_left"], question["overdue"]) == (
        "2026-12-01T16:00:00+00:00", 2, False)
    world.clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    [late] = world.pop.lookup("0471123456")["contacts"][0]["open_questions"]
    assert (late["working_days_left"], late["overdue"]) == (-1, True)


def test_screen_pop_matches_exact_possible_and_switchboards() -> None:
    world = World()
    cpas = world.contacts.create_organisation("OCMW Gent", "09 266 99 00")
    officer = world.contact("0478 12 12 12", org=cpas.id)
    twin_a, twin_b = world.contact("02 555 01 01"), world.contact("02 555 01 01")
    assert [(c["id"], c["match"]) for c in world.pop.lookup("0478121212")["contacts"]] == [(officer, "exact")]
    assert {(c["id"], c["match"]) for c in world.pop.lookup("025550101")["contacts"]} == {
        (twin_a, "possible"), (twin_b, "possible")}
    board = world.pop.lookup("+32 9 266 99 00")
    assert [(c["id"], c["match"]) for c in board["contacts"]] == [(officer, "possible")]
    assert board["contacts"][0]["organisation"]["name"] == "OCMW Gent"
    assert board["organisations"][0]["switchboard"] == {"number": "+3292669900", "display": "09 266 99 00"}


def test_contacts_need_a_way_to_be_reached_and_keep_one() -> None:
    world = World()
    with pytest.raises(InvalidInput) as none:
        world.contacts.create(ContactIn("Nobody"))
    assert none.value.fields == {"phones": "a phone number or an e-mail address is required"}
    only_phone = world.contact("0471 12 34 56", email=None)
    with pytest.raises(RuleViolation):
        world.contacts.remove_phone(only_phone, "+32471123456")
    assert world.contacts.add_phone(only_phone, "02 508 85 86").phones == ("+32471123456", "+3225088586")
    with pytest.raises(Conflict):
        world.contacts.add_phone(only_phone, "0032 2 508 85 86")
