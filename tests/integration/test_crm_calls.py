"""Calls in the CRM on SQLite and PostgreSQL: recording, the screen-pop's last calls, links to questions."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from callcenter.bootstrap import Services
from callcenter.crm_wiring import OfficeWorkingCalendar
from callcenter.domain.calls import Call, Direction
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


def test_a_switchboard_pops_the_last_calls_from_it_instead_of_each_officers(crm: Services) -> None:
    cpas = crm.contacts.create_organisation("CPAS de Namur", switchboard="081 33 70 11")
    luc = citizen(crm, "Luc Dubois", "0472 11 22 33", "081 33 70 11", organisation_id=cpas.id)
    citizen(crm, "Ann Maes", "0472 44 55 66", organisation_id=cpas.id)
    crm.calls.record_finished(_call("direct", "0472 11 22 33", minutes_ago=5))
    for i in range(7):
        crm.calls.record_finished(_call(f"board-{i}", "+32 81 33 70 11", minutes_ago=60 - i))
    crm.calls.record_finished(_call("elsewhere", "0471 99 88 77", minutes_ago=1))
    with crm.uow() as uow:  # the call ringing now, as the call lifecycle records it: not an earlier one
        uow.calls.add(Call(0, "ringing", None, "+3281337011", OUR_NUMBER, Direction.INBOUND, T0, None, None,
                           None, None, None))
        uow.commit()
    number = ask(crm, luc)
    crm.questions.link_call(number, "board-6", by=3)
    pop = crm.screen_pop.lookup("081337011")
    shown = [(c["name"], c["last_calls"]) for c in pop["contacts"]]
    assert shown == [("Luc Dubois", None), ("Ann Maes", None)]  # who gave the number, then the others
    calls = pop["last_calls_from_number"]
    assert [c["call_id"] for c in calls] == ["board-6", "board-5", "board-4", "board-3", "board-2"]
    assert calls[0]["from_number"] == "+3281337011"
    assert (calls[0]["question"], calls[1]["question"]) == (number, None)


def test_a_household_line_pops_each_persons_calls_and_the_calls_from_the_line(crm: Services) -> None:
    jan = citizen(crm, "Jan", "0471 12 34 56", "02 555 12 12")
    marie = citizen(crm, "Marie", "02 555 12 12")
    crm.calls.record_finished(_call("mobile", "0471 12 34 56", minutes_ago=9))
    crm.calls.record_finished(_call("line", "02 555 12 12", minutes_ago=5))  # shared: nobody's
    pop = crm.screen_pop.lookup("025551212")
    own = {c["id"]: [call["call_id"] for call in c["last_calls"]] for c in pop["contacts"]}
    assert own == {jan: ["mobile"], marie: []}
    assert [c["call_id"] for c in pop["last_calls_from_number"]] == ["line"]
    assert crm.screen_pop.lookup("0471123456")["last_calls_from_number"] is None  # Jan's own: exact
