"""The screen-pop of a number shared by more people than a panel shows: bounded, and says so."""

from __future__ import annotations

from sqlalchemy import event

from callcenter.bootstrap import Services
from callcenter.services.contacts import ContactIn
from callcenter.services.screen_pop import MAX_CONTACTS
from tests.integration.crm_support import crm_services  # noqa: F401

SWITCHBOARD = "04 220 60 00"


def _officers(crm: Services, count: int, *, give_switchboard: bool) -> list[tuple[int, str]]:
    """Create officers of a new CPAS, named so that creation order is the reverse of name order."""
    org = crm.contacts.create_organisation("CPAS de Liège", SWITCHBOARD)
    made = [crm.contacts.create(ContactIn(f"Officer {n:02d}",
                                          [SWITCHBOARD if give_switchboard else f"04 220 61 {n:02d}"],
                                          None, "fr", org.id))
            for n in reversed(range(count))]
    return [(c.id, c.name) for c in made]


def test_a_switchboard_many_officers_gave_shows_some_of_the_oldest_by_name(crm: Services) -> None:
    officers = _officers(crm, MAX_CONTACTS + 5, give_switchboard=True)
    pop = crm.screen_pop.lookup(SWITCHBOARD)
    shown = [c["name"] for c in pop["contacts"]]
    # Chosen among the oldest contacts who gave the number (one more is read to know there are more).
    oldest = {name for _, name in sorted(officers)[:MAX_CONTACTS + 1]}
    assert len(shown) == MAX_CONTACTS and set(shown) <= oldest and shown == sorted(shown)
    assert pop["more_contacts"] is True and [o["name"] for o in pop["organisations"]] == ["CPAS de Liège"]
    assert {c["match"] for c in pop["contacts"]} == {"possible"}


def test_a_switchboard_nobody_gave_shows_the_organisations_first_members_by_name(crm: Services) -> None:
    _officers(crm, MAX_CONTACTS + 5, give_switchboard=False)
    pop = crm.screen_pop.lookup(SWITCHBOARD)
    assert [c["name"] for c in pop["contacts"]] == [f"Officer {n:02d}" for n in range(MAX_CONTACTS)]
    assert pop["more_contacts"] is True


def _statements_of_lookup(crm: Services, number: str, *, callers_only: bool = False) -> list[str]:
    sent: list[str] = []

    def record(conn: object, cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    reads = crm.read_engine  # the screen-pop's reads (a pool of their own on PostgreSQL)
    event.listen(reads, "before_cursor_execute", record)
    try:
        (crm.screen_pop.callers if callers_only else crm.screen_pop.lookup)(number)
    finally:
        event.remove(reads, "before_cursor_execute", record)
    return sent


def test_a_lookup_reads_each_kind_of_number_in_few_statements(crm: Services) -> None:
    _officers(crm, 3, give_switchboard=False)
    for name in ("Anne", "Jan"):
        crm.contacts.create(ContactIn(name, ["0471 12 34 56" if name == "Anne" else "02 555 12 12",
                                             "02 555 12 13"], None, "nl"))
    shared = crm.contacts.create_organisation("Maison sociale de Liège", "04 220 70 00")
    crm.contacts.create_organisation("Agence immobilière sociale", "04 220 70 00")
    crm.contacts.create(ContactIn("Eva", ["0472 00 00 09"], None, "fr", shared.id))
    # Who has the number with their numbers (and a switchboard's members), their open questions, and
    # the last calls (their own, the number's, or both); only a switchboard of two organisations needs
    # one more for the second one's members.
    numbers = ("0471 12 34 56", "02 555 12 13", SWITCHBOARD, "04 220 70 00", "0499 99 99 99")
    counts = [len(_statements_of_lookup(crm, number)) for number in numbers]
    assert counts == [3, 3, 3, 4, 1]
    # Who the number belongs to, all routing needs before it decides: the first of those statements
    # (two for a switchboard of two organisations), and the same people as the screen-pop shows.
    counts = [len(_statements_of_lookup(crm, number, callers_only=True)) for number in numbers]
    assert counts == [1, 1, 1, 2, 1]
    for number in numbers:
        pop, callers = crm.screen_pop.lookup(number), crm.screen_pop.callers(number)
        assert callers == {"number": pop["number"], "contacts": [
            {"id": c["id"], "language": c["language"], "match": c["match"]} for c in pop["contacts"]]}
    anne = crm.screen_pop.callers("0471 12 34 56")["contacts"]
    assert [(c["language"], c["match"]) for c in anne] == [("nl", "exact")]


def test_the_people_behind_a_switchboard_pop_with_their_numbers_in_order(crm: Services) -> None:
    org = crm.contacts.create_organisation("CPAS de Liège", SWITCHBOARD)
    crm.contacts.create(ContactIn("Ann", ["04 220 61 02", "0472 00 00 01"], None, "fr", org.id))
    crm.contacts.create(ContactIn("Bob", ["0472 00 00 02", SWITCHBOARD], None, "fr", org.id))
    crm.contacts.create(ContactIn("Cas", [], "cas@cpas-liege.be", "fr", org.id))
    pop = crm.screen_pop.lookup(SWITCHBOARD)
    numbers = [(c["name"], [p["number"] for p in c["phones"]]) for c in pop["contacts"]]
    assert numbers == [("Bob", ["+32472000002", "+3242206000"]), ("Ann", ["+3242206102", "+32472000001"]),
                       ("Cas", [])]


def test_a_switchboard_two_organisations_share_pops_both_ones_members(crm: Services) -> None:
    first = crm.contacts.create_organisation("CPAS de Liège", SWITCHBOARD)
    second = crm.contacts.create_organisation("Maison sociale de Liège", SWITCHBOARD)
    crm.contacts.create(ContactIn("Zoé", ["0472 00 00 01"], None, "fr", first.id))
    crm.contacts.create(ContactIn("Yves", ["0472 00 00 02"], None, "fr", second.id))
    pop = crm.screen_pop.lookup(SWITCHBOARD)
    assert sorted(o["name"] for o in pop["organisations"]) == ["CPAS de Liège", "Maison sociale de Liège"]
    assert [(c["name"], c["organisation"]["name"]) for c in pop["contacts"]] == [
        ("Yves", "Maison sociale de Liège"), ("Zoé", "CPAS de Liège")]
