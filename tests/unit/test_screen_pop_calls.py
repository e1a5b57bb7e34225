"""The screen-pop's last calls against hand-written fakes: a person's own, or the shared number's."""

from __future__ import annotations

from datetime import timedelta

from callcenter.services.calls import CallService, FinishedCall
from callcenter.services.screen_pop import HOUSEHOLD
from tests.unit.test_crm_services_unit import T0, World

OUR_NUMBER = "+3225088586"


def _called(world: World, call_id: str, caller: str, minutes_ago: int) -> None:
    start = T0 - timedelta(minutes=minutes_ago)
    CallService(lambda: world.uow).record_finished(
        FinishedCall(call_id, caller, OUR_NUMBER, "inbound", start, start + timedelta(minutes=2)))


def test_the_only_owner_of_a_number_pops_with_their_own_calls_and_no_number_list() -> None:
    world = World()
    anne = world.contact("0471 12 34 56", "02 555 01 01")
    _called(world, "mobile", "0471 12 34 56", minutes_ago=30)
    _called(world, "home", "02 555 01 01", minutes_ago=20)
    pop = world.pop.lookup("0471123456")
    [contact] = pop["contacts"]
    assert (contact["id"], contact["match"]) == (anne, "exact")
    assert [c["call_id"] for c in contact["last_calls"]] == ["home", "mobile"]
    assert pop["last_calls_from_number"] is None
    assert world.pop.lookup("0499 99 99 99")["last_calls_from_number"] is None  # unknown


def test_a_household_line_pops_each_persons_calls_and_the_lines_calls() -> None:
    world = World()
    jan, marie = world.contact("02 555 01 01", "0471 11 11 11"), world.contact("02 555 01 01")
    _called(world, "jan-mobile", "0471 11 11 11", minutes_ago=40)
    _called(world, "line-1", "02 555 01 01", minutes_ago=30)  # shared: recorded as nobody's
    _called(world, "line-2", "02 555 01 01", minutes_ago=10)
    pop = world.pop.lookup("025550101")
    own = {c["id"]: [call["call_id"] for call in c["last_calls"]] for c in pop["contacts"]}
    assert own == {jan: ["jan-mobile"], marie: []}
    assert [c["call_id"] for c in pop["last_calls_from_number"]] == ["line-2", "line-1"]


def test_behind_a_switchboard_only_the_numbers_calls_are_read() -> None:
    world = World()
    cpas = world.contacts.create_organisation("OCMW Gent", "09 266 99 00")
    officer = world.contact("0478 12 12 12", org=cpas.id)
    _called(world, "direct", "0478 12 12 12", minutes_ago=50)
    for n in range(7):
        _called(world, f"board-{n}", "09 266 99 00", minutes_ago=40 - n)
    pop = world.pop.lookup("+32 9 266 99 00")
    [contact] = pop["contacts"]
    assert (contact["id"], contact["last_calls"]) == (officer, None)  # not read: not "no calls"
    assert [c["call_id"] for c in pop["last_calls_from_number"]] == [f"board-{n}" for n in (6, 5, 4, 3, 2)]


def test_a_number_more_people_gave_than_a_household_pops_like_a_switchboard() -> None:
    world = World()
    many = [world.contact("04 220 60 00") for _ in range(HOUSEHOLD + 1)]
    pop = world.pop.lookup("04 220 60 00")
    assert [c["id"] for c in pop["contacts"]] == many
    assert {c["match"] for c in pop["contacts"]} == {"possible"}
    assert [c["last_calls"] for c in pop["contacts"]] == [None] * len(many)
    assert pop["last_calls_from_number"] == []
    few = [world.contact("04 220 70 00") for _ in range(HOUSEHOLD)]
    assert [c["last_calls"] for c in world.pop.lookup("04 220 70 00")["contacts"]] == [[]] * len(few)
