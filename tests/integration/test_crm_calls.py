"""Calls in the CRM on SQLite and PostgreSQL: recording, the screen-pop's last calls, links to questions."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from callcenter.bootstrap import Services
from callcenter.crm_wiring import OfficeWorkingCalendar
from callcenter.domain.errors import Conflict
from callcenter.domain.registration import new_registration_number
from callcenter.services.calls import FinishedCall
from callcenter.services.crm_ports import FixedCoordinator
from callcenter.services.questions import QuestionService, RegisterQuestion
from tests.integration.crm_support import T0, ask, citizen, crm_services  # noqa: F401

OUR_NUMBER = "+3225088586"


def _call(call_id: str, caller: str, minutes_ago: int, **fields: object) -> FinishedCall:
    start = T0 - timedelta(minutes=minutes_ago)
    values: dict[str, object] = {"call_id": call_id, "from_number": caller, "to_number": OUR_NUMBER,
                                 "direction": "inbound", "started_at": start,
                                 "answered_at": start + timedelta(seconds=5),
                                 "ended_at": start + timedelta(minutes=3),
                                 "agent_user_id": 3, "outcome": "answered", **fields}
    return FinishedCall(**values)  # type: ignore[arg-type]


def test_the_screen_pop_shows_the_five_newest_calls(crm: Services) -> None:
    anne = citizen(crm, "Anne", "0471 12 34 56")
    for i in range(7):
        crm.calls.record_finished(_call(f"c{i}", "+32 471 12 34 56", minutes_ago=100 - i))
    [contact] = crm.screen_pop.lookup("0471123456")["contacts"]
    assert contact["id"] == anne
    assert [c["call_id"] for c in contact["last_calls"]] == ["c6", "c5", "c4", "c3", "c2"]
    assert contact["last_calls"][0]["from_number"] == "+32471123456"


def test_a_call_from_a_shared_number_is_not_guessed(crm: Services) -> None:
    citizen(crm, "Jan", "02 555 12 12")
    citizen(crm, "Marie", "02 555 12 12")
    call = crm.calls.record_finished(_call("shared", "025551212", minutes_ago=5))
    assert call.contact_id is None
    anonymous = crm.calls.record_finished(_call("anon", "anonymous", minutes_ago=4, answered_at=None,
                                                outcome="abandoned"))
    assert (anonymous.from_number, anonymous.contact_id) == ("anonymous", None)


def test_recording_the_same_call_again_completes_it(crm: Services) -> None:
    crm.calls.record_finished(_call("dup", "0471123456", minutes_ago=9, outcome="missed", answered_at=None))
    again = crm.calls.record_finished(_call("dup", "0471 12 34 56", minutes_ago=9))
    assert again.outcome == "answered" and again.answered_at is not None
    assert crm.calls.get("dup") == again


def test_linking_a_call_to_a_question_is_in_its_history(crm: Services) -> None:
    anne = citizen(crm, "Anne", "0471 12 34 56")
    crm.calls.record_finished(_call("c1", "+32 471 12 34 56", minutes_ago=5))
    number = ask(crm, anne)
    crm.questions.link_call(number, "c1", by=3)
    started = (T0 - timedelta(minutes=5)).isoformat()
    assert crm.questions.history(number)[-1].data == {"call_id": "c1", "started_at": started}
    assert crm.calls.get("c1").question_registration_number == number
    with pytest.raises(Conflict):
        crm.questions.link_call(number, "c1", by=3)
    [contact] = crm.screen_pop.lookup("0471123456")["contacts"]
    assert contact["last_calls"][0]["question"] == number


def test_a_drawn_number_already_taken_is_drawn_again(crm: Services) -> None:
    anne = citizen(crm)
    bodies = iter([12345678, 12345678, 87654321])
    service = QuestionService(crm.uow, crm.clock, OfficeWorkingCalendar(crm.calendar), FixedCoordinator(None),
                              ZoneInfo("Europe/Brussels"), draw=lambda _: next(bodies))
    first = service.register(RegisterQuestion(anne, "phone", subject="a"), by=3)
    second = service.register(RegisterQuestion(anne, "phone", subject="b"), by=3)
    assert first.registration_number == str(new_registration_number(2026, lambda _: 12345678))
    assert second.registration_number == str(new_registration_number(2026, lambda _: 87654321))
