"""The API's composite use cases against hand-written fakes: one commit, fields named as sent, no-op edits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callcenter.domain.errors import InvalidInput, RuleViolation
from callcenter.domain.questions import Question
from callcenter.services.clock import FixedClock
from callcenter.services.contact_edits import ContactEdits, ContactPatch
from callcenter.services.contacts import ContactIn, ContactService
from callcenter.services.crm_ports import CrmUowFactory, FixedCoordinator
from callcenter.services.question_desk import EventIn, NewQuestion, QuestionDesk, QuestionEdit
from callcenter.services.question_lists import (
    QuestionFilter,
    QuestionLists,
    QuestionQuery,
    decode_cursor,
    encode_cursor,
)
from callcenter.services.questions import QuestionService, RegisterQuestion
from tests.unit.crm_fakes import FakeCalendar, FakeCrmUow

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ANNE = ContactIn("Anne", ("0471 12 34 56",), None, "nl")


class Desk:
    def __init__(self) -> None:
        self.uow = FakeCrmUow()
        self.clock = FixedClock(T0)
        self.desk = QuestionDesk(lambda: self.uow, self._questions, lambda f: ContactService(f, self.clock))
        self.edits = ContactEdits(lambda: self.uow, lambda f: ContactService(f, self.clock))

    def _questions(self, uow: CrmUowFactory) -> QuestionService:
        return QuestionService(uow, self.clock, FakeCalendar(), FixedCoordinator(None), UTC)

    def register(self, channel: str = "phone", contact: ContactIn | None = ANNE,
                 contact_id: int = 0) -> Question:
        cmd = NewQuestion(RegisterQuestion(contact_id=contact_id, channel=channel, subject="RIS"), contact)
        return self.desk.register(cmd, by=3)


def test_an_inline_contact_and_its_question_are_committed_once() -> None:
    world = Desk()
    question = world.register()
    assert world.uow.commits == 1
    assert world.uow.contacts.get(question.contact_id) is not None


def test_problems_are_named_as_the_request_named_them() -> None:
    world = Desk()
    with pytest.raises(InvalidInput) as bad_phone:
        world.register(contact=ContactIn("Anne", ("12",)))
    assert bad_phone.value.fields == {"contact.phones[0]": "not a phone number"}
    with pytest.raises(RuleViolation) as no_email:
        world.register(channel="email")
    assert no_email.value.fields == {"contact": "no e-mail address"}
    assert world.uow.commits == 0


def test_a_question_names_exactly_one_contact() -> None:
    world = Desk()
    with pytest.raises(InvalidInput) as neither:
        world.register(contact=None)
    assert neither.value.fields == {"contact_id": "required"}
    with pytest.raises(InvalidInput) as both:
        world.register(contact_id=1)
    assert both.value.fields == {"contact": "not with contact_id"}


def test_an_edit_writes_only_what_changes() -> None:
    world = Desk()
    number = world.register().registration_number
    unchanged = world.desk.edit(number, QuestionEdit(subject="RIS", track="standard"), by=3)
    assert unchanged.subject == "RIS" and len(world.uow.questions.events) == 1
    moved = world.desk.edit(number, QuestionEdit(track="competence", owner_user_id=4), by=3)
    assert (moved.track.value, moved.owner_user_id) == ("competence", 4)
    assert [e.kind.value for _, e in world.uow.questions.events] == ["registered", "owner_changed",
                                                                     "track_switched"]
    with pytest.raises(InvalidInput):
        world.desk.edit(number, QuestionEdit(), by=3)


def test_recording_returns_the_question_with_its_history() -> None:
    world = Desk()
    number = world.register().registration_number
    detail = world.desk.record(number, EventIn("faq_flagged", needed=True), by=3)
    assert detail.question.faq_needed
    assert [e.kind.value for e in detail.history] == ["registered", "faq_flagged"]
    with pytest.raises(InvalidInput):
        world.desk.record(number, EventIn("status_changed"), by=3)


def test_a_contact_patch_keeps_the_fields_not_given() -> None:
    world = Desk()
    contact_id = world.register().contact_id
    patched = world.edits.patch(contact_id, ContactPatch(email="anne@example.be"))
    assert (patched.name, patched.phones, patched.email) == ("Anne", ("+32471123456",), "anne@example.be")
    with pytest.raises(InvalidInput):
        world.edits.patch(contact_id, ContactPatch())


class FakeLists:
    def __init__(self, found: list[Question]) -> None:
        self.found = found
        self.asked: list[tuple[QuestionFilter, int]] = []

    def matching(self, which: QuestionFilter, limit: int) -> list[Question]:
        self.asked.append((which, limit))
        return self.found[:limit]


class ListUow:
    def __init__(self, lists: FakeLists) -> None:
        self.question_lists = lists

    def __enter__(self) -> ListUow:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def commit(self) -> None:
        return None

    def rollback(self) -> None:
        return None


def test_pages_ask_one_more_to_know_whether_another_page_follows() -> None:
    world = Desk()
    questions = [world.uow.questions.rows[world.register().registration_number] for _ in range(3)]
    fake = FakeLists(questions)
    lists = QuestionLists(lambda: ListUow(fake), world.clock)
    page = lists.page(QuestionQuery(statuses=["registered"], limit=2))
    assert page.items == questions[:2] and decode_cursor(page.next_cursor or "") == (questions[1].due_at, 2)
    which, limit = fake.asked[0]
    assert (limit, which.statuses, which.now, which.after) == (3, frozenset({"registered"}), T0, None)
    assert lists.page(QuestionQuery(limit=3)).next_cursor is None


def test_list_queries_are_checked() -> None:
    lists = QuestionLists(lambda: ListUow(FakeLists([])), FixedClock(T0))
    with pytest.raises(InvalidInput) as bad:
        lists.page(QuestionQuery(statuses=["lost"], owner_user_id=3, unowned=True, limit=500, cursor="!!"))
    assert set(bad.value.fields) == {"status", "owner", "limit", "cursor"}


def test_cursors_round_trip_and_refuse_forgeries() -> None:
    world = Desk()
    question = world.uow.questions.rows[world.register().registration_number]
    assert decode_cursor(encode_cursor(question)) == (question.due_at, question.id)
    for forged in ("", "bm90IGpzb24", "WyJ5ZXN0ZXJkYXkiLCAxXQ", "WyIyMDI2LTExLTI2VDA5OjAwOjAwIiwgMV0"):
        with pytest.raises(InvalidInput):
            decode_cursor(forged)
