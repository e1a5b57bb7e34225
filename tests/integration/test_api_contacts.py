"""The contacts REST API on SQLite and PostgreSQL: create, read, partial change, and the screen-pop lookup."""

from __future__ import annotations

from datetime import timedelta

from callcenter.services.calls import FinishedCall
from tests.integration.api_support import Api, api_fixture  # noqa: F401
from tests.integration.crm_support import T0, count

ANNE = {"name": "Anne Peeters", "phones": ["0471 12 34 56"], "email": "anne@example.be", "language": "nl"}


def _create(api: Api, **fields: object) -> dict[str, object]:
    response = api.post("/api/v1/contacts", json={**ANNE, **fields})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def test_a_contact_is_created_and_read_back(api: Api) -> None:
    response = api.post("/api/v1/contacts", json={**ANNE, "phone": "+32 2 508 85 00"})
    assert response.status_code == 201
    created = response.get_json()
    assert response.headers["Location"] == f"/api/v1/contacts/{created['id']}"
    assert created == {"id": created["id"], "name": "Anne Peeters", "email": "anne@example.be",
                       "language": "nl", "organisation_id": None,
                       "phones": [{"number": "+3225088500", "display": "02 508 85 00"},
                                  {"number": "+32471123456", "display": "0471 12 34 56"}]}
    assert api.get(f"/api/v1/contacts/{created['id']}", "coach").get_json() == created


def test_unknown_contacts_are_404(api: Api) -> None:
    response = api.get("/api/v1/contacts/999")
    assert (response.status_code, response.get_json()["error"]) == (404, "no-such-contact")


def test_invalid_contacts_are_refused_with_their_fields(api: Api) -> None:
    bad = api.post("/api/v1/contacts", json={"name": "", "phones": ["12", "0471 12 34 56"], "language": "it"})
    assert bad.status_code == 400
    assert bad.get_json()["fields"] == {"name": "required", "language": "one of fr, nl, de, en"}
    numbers = api.post("/api/v1/contacts", json={"name": "Bob", "phones": ["12"]})
    assert numbers.status_code == 400 and numbers.get_json()["fields"] == {"phones[0]": "not a phone number"}
    unreachable = api.post("/api/v1/contacts", json={"name": "Bob"})
    assert unreachable.get_json()["fields"] == {"phones": "a phone number or an e-mail address is required"}
    no_org = api.post("/api/v1/contacts", json={**ANNE, "organisation_id": 42})
    assert no_org.status_code == 422
    assert no_org.get_json()["fields"] == {"organisation_id": "no such organisation"}
    assert count(api.services, "contacts") == 0


def test_writing_needs_contacts_write(api: Api) -> None:
    assert api.post("/api/v1/contacts", "coach", json=ANNE).status_code == 403
    assert api.post("/api/v1/contacts", "expert", json=ANNE).status_code == 403
    assert api.post("/api/v1/contacts", None, json=ANNE).status_code == 401


def test_patch_changes_only_the_fields_given(api: Api) -> None:
    anne = _create(api)
    response = api.patch(f"/api/v1/contacts/{anne['id']}", json={"email": None, "language": "fr"})
    assert response.status_code == 200
    assert response.get_json() == {**anne, "email": None, "language": "fr"}
    renumbered = api.patch(f"/api/v1/contacts/{anne['id']}", json={"phones": ["02 508 85 00"]}).get_json()
    assert [p["number"] for p in renumbered["phones"]] == ["+3225088500"]


def test_a_refused_patch_changes_nothing(api: Api) -> None:
    anne = _create(api, email=None)
    unreachable = api.patch(f"/api/v1/contacts/{anne['id']}", json={"phones": [], "name": "Anne P."})
    assert unreachable.status_code == 400 and "phones" in unreachable.get_json()["fields"]
    assert api.get(f"/api/v1/contacts/{anne['id']}").get_json() == anne
    empty = api.patch(f"/api/v1/contacts/{anne['id']}", json={})
    assert empty.status_code == 400 and empty.get_json()["fields"] == {"body": "nothing to change"}
    unknown = api.patch("/api/v1/contacts/999", json={"name": "X"})
    assert unknown.status_code == 404


def test_lookup_pops_the_caller_with_open_questions_and_last_calls(api: Api) -> None:
    anne = _create(api)
    question = api.post("/api/v1/questions", json={"contact_id": anne["id"], "channel": "phone",
                                                   "subject": "RIS"}).get_json()
    api.services.calls.record_finished(FinishedCall("c-1", "+32471123456", "+3225088500", "inbound",
                                                    T0 - timedelta(minutes=3), T0))
    pop = api.get("/api/v1/contacts/lookup?number=0471/12.34.56").get_json()
    assert (pop["number"], pop["unknown"], pop["more_contacts"]) == ("+32471123456", False, False)
    [contact] = pop["contacts"]
    assert (contact["id"], contact["match"]) == (anne["id"], "exact")
    [open_question] = contact["open_questions"]
    assert open_question["registration_number"] == question["registration_number"]
    assert open_question["working_days_left"] == 2 and open_question["overdue"] is False
    assert [c["call_id"] for c in contact["last_calls"]] == ["c-1"]
    assert pop["last_calls_from_number"] is None  # the number is Anne's alone


def test_lookup_of_a_switchboard_pops_the_calls_from_it(api: Api) -> None:
    cpas = api.services.contacts.create_organisation("CPAS de Namur", "081 33 70 11")
    luc = _create(api, name="Luc Dubois", phones=["0472 11 22 33"], organisation_id=cpas.id)
    api.services.calls.record_finished(FinishedCall("c-2", "+3281337011", "+3225088500", "inbound",
                                                    T0 - timedelta(minutes=3), T0))
    pop = api.get("/api/v1/contacts/lookup?number=081337011").get_json()
    assert [o["name"] for o in pop["organisations"]] == ["CPAS de Namur"]
    [contact] = pop["contacts"]
    assert (contact["id"], contact["match"], contact["last_calls"]) == (luc["id"], "possible", None)
    assert [c["call_id"] for c in pop["last_calls_from_number"]] == ["c-2"]


def test_lookup_of_an_unknown_or_bad_number(api: Api) -> None:
    unknown = api.get("/api/v1/contacts/lookup?number=%2B3225088599").get_json()
    assert unknown["unknown"] is True and unknown["contacts"] == []
    missing = api.get("/api/v1/contacts/lookup")
    assert missing.status_code == 400 and missing.get_json()["fields"] == {"number": "required"}
    bad = api.get("/api/v1/contacts/lookup?number=12")
    assert bad.status_code == 400 and bad.get_json()["fields"] == {"number": "not a phone number"}
    assert api.get("/api/v1/contacts/lookup?number=0471123456", "robot").status_code == 403
