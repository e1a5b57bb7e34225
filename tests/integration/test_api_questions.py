"""The questions REST API on SQLite and PostgreSQL: register from any channel, read, list, edit, record,
move along; tokens and scopes; 400/422 envelopes with fields; 404 vs mistyped; no partial writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from callcenter.domain.registration import check_digits
from callcenter.services.calls import FinishedCall
from tests.integration.api_support import Api, api_fixture  # noqa: F401
from tests.integration.crm_support import T0, count, topic

ANNE = {"name": "Anne Peeters", "phone": "0471 12 34 56", "email": "anne@example.be", "language": "nl"}


def _contact(api: Api, **fields: Any) -> int:
    response = api.post("/api/v1/contacts", json={**ANNE, **fields})
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def _question(api: Api, who: str = "agent", **fields: Any) -> dict[str, Any]:
    body = {"channel": "phone", "subject": "Revenu d'intégration", **fields}
    if "contact" not in body:
        body.setdefault("contact_id", _contact(api))
    response = api.post("/api/v1/questions", who, json=body)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _unknown_number() -> str:
    return "2026-0000-0001-" + check_digits("202600000001")


def _mistyped(number: str) -> str:
    return number[:5] + str((int(number[5]) + 1) % 10) + number[6:]


def test_a_question_for_a_known_contact_is_registered_and_read_with_its_history(api: Api) -> None:
    anne = _contact(api)
    response = api.post("/api/v1/questions", json={"contact_id": anne, "channel": "letter", "subject": "RIS",
                                                   "received_at": "2026-11-25T15:00:00+01:00"})
    assert response.status_code == 201
    created = response.get_json()
    number = created["registration_number"]
    assert response.headers["Location"] == f"/api/v1/questions/{number}"
    assert (created["reply_channel"], created["received_at"]) == ("email", "2026-11-25T14:00:00+00:00")
    read = api.get(f"/api/v1/questions/{number.replace('-', ' ')}", "coach").get_json()
    assert {k: v for k, v in read.items() if k != "history"} == created
    [registered] = read["history"]
    assert (registered["kind"], registered["by"]) == ("registered", api.user_ids["agent"])


def test_any_channel_registers_with_an_inline_contact_in_one_go(api: Api) -> None:
    created = _question(api, channel="email", type="complaint", contact={**ANNE, "phones": ["02 508 85 00"]})
    contact = api.get(f"/api/v1/contacts/{created['contact_id']}").get_json()
    assert [p["number"] for p in contact["phones"]] == ["+32471123456", "+3225088500"]
    assert created["owner_user_id"] == api.user_ids["coordinator"]  # complaints go to the coordinator
    robot = _question(api, "robot", channel="web", contact_id=created["contact_id"])
    by = api.get(f"/api/v1/questions/{robot['registration_number']}").get_json()["history"][0]["by"]
    assert by == "system"  # an integration token acts as the system in the history


def test_a_failing_registration_leaves_no_contact_behind(api: Api) -> None:
    bad_channel = api.post("/api/v1/questions", json={"channel": "pigeon", "subject": "x", "contact": ANNE})
    assert bad_channel.status_code == 400 and bad_channel.get_json()["fields"] == {
        "channel": "one of phone, email, web, letter, fax"}
    no_email = api.post("/api/v1/questions", json={"channel": "fax", "subject": "x",
                                                   "contact": {**ANNE, "email": None}})
    assert no_email.status_code == 422 and no_email.get_json()["fields"] == {"contact": "no e-mail address"}
    no_topic = api.post("/api/v1/questions", json={"channel": "phone", "topic": "nope", "contact": ANNE})
    assert no_topic.status_code == 422 and no_topic.get_json()["fields"] == {"topic": "no such active topic"}
    bad_phone = api.post("/api/v1/questions", json={"channel": "phone", "subject": "x",
                                                    "contact": {**ANNE, "phone": "12"}})
    assert bad_phone.status_code == 400 and bad_phone.get_json()["fields"] == {
        "contact.phones[0]": "not a phone number"}
    assert count(api.services, "contacts") == 0 and count(api.services, "questions") == 0


def test_tokens_and_scopes_guard_every_endpoint(api: Api) -> None:
    anonymous = api.get("/api/v1/questions", None)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Bearer"
    assert api.get("/api/v1/questions", None, headers={"Authorization": "Bearer cc_nope"}).status_code == 401
    coach = api.post("/api/v1/questions", "coach", json={"channel": "phone", "subject": "x", "contact_id": 1})
    assert coach.status_code == 403 and coach.get_json()["fields"] == {"scope": "questions:write"}
    expert_inline = api.post("/api/v1/questions", "expert", json={"channel": "phone", "subject": "x",
                                                                 "contact": ANNE})
    assert expert_inline.status_code == 403
    assert expert_inline.get_json()["fields"] == {"scope": "contacts:write"}
    assert api.post("/api/v1/questions", "expert", json={"channel": "phone", "subject": "x",
                                                         "contact_id": _contact(api)}).status_code == 201


def test_unreadable_and_invalid_bodies_answer_400_with_the_fields(api: Api) -> None:
    not_json = api.post("/api/v1/questions", data="channel=phone", content_type="text/plain")
    assert not_json.status_code == 400 and "fields" not in not_json.get_json()
    wrong = api.post("/api/v1/questions", json={"channel": 3, "subject": "x", "bogus": True,
                                                "contact": {"phones": "0471"}, "received_at": "yesterday"})
    assert wrong.status_code == 400
    assert wrong.get_json()["fields"] == {"bogus": "unknown field", "channel": "must be text",
                                          "contact.name": "required", "contact.phones": "must be a list",
                                          "received_at": "not a date-time"}
    both = api.post("/api/v1/questions", json={"channel": "phone", "subject": "x", "contact_id": 1,
                                               "contact": ANNE})
    assert both.status_code == 400 and both.get_json()["fields"] == {"contact": "not with contact_id"}
    neither = api.post("/api/v1/questions", json={"channel": "phone", "subject": "x"})
    assert neither.get_json()["fields"] == {"contact_id": "required"}


def test_unknown_numbers_are_404_and_mistyped_ones_422(api: Api) -> None:
    number = _question(api)["registration_number"]
    unknown = api.get(f"/api/v1/questions/{_unknown_number()}")
    assert (unknown.status_code, unknown.get_json()["error"]) == (404, "no-such-question")
    calls = (("GET", "", None), ("POST", "/close", None), ("PATCH", "", {"track": "standard"}))
    for method, suffix, body in calls:
        mistyped = api.call(method, f"/api/v1/questions/{_mistyped(number)}{suffix}", json=body)
        assert mistyped.status_code == 422 and mistyped.get_json()["error"] == "mistyped-registration-number"
    not_a_number = api.get("/api/v1/questions/abc")
    assert not_a_number.status_code == 400 and not_a_number.get_json()["fields"] == {
        "registration_number": "not a registration number"}


def test_lists_filter_and_page_by_due_time(api: Api) -> None:
    anne = _contact(api)
    old = _question(api, contact_id=anne, received_at="2026-11-16T09:00:00Z")
    mine = _question(api, contact_id=anne, owner_user_id=api.user_ids["agent"])
    other = _question(api, track="competence")
    answered = api.post(f"/api/v1/questions/{other['registration_number']}/answer", json={"tier": "front"})
    assert answered.status_code == 200

    def numbers(query: str) -> list[str]:
        response = api.get(f"/api/v1/questions?{query}")
        assert response.status_code == 200, response.get_json()
        return [q["registration_number"] for q in response.get_json()["items"]]

    everything = [q["registration_number"] for q in (old, mine, other)]
    assert numbers("") == everything
    assert numbers("overdue=true") == [old["registration_number"]]
    assert numbers("owner=me") == numbers(f"owner={api.user_ids['agent']}") == [mine["registration_number"]]
    assert numbers(f"contact_id={anne}&owner=none") == [old["registration_number"]]
    assert numbers("status=answered,closed") == [other["registration_number"]]
    first = api.get("/api/v1/questions?limit=2").get_json()
    second = api.get(f"/api/v1/questions?limit=2&cursor={first['next_cursor']}").get_json()
    assert [q["registration_number"] for q in first["items"] + second["items"]] == numbers("")
    assert second["next_cursor"] is None and first["items"][0]["overdue"] is True


def test_list_parameters_are_checked(api: Api) -> None:
    response = api.get("/api/v1/questions?status=lost&limit=0&sort=due&overdue=maybe&cursor=xyz")
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"sort": "unknown parameter", "status": "one of registered, "
                                             "in_progress, transferred, delayed, answered, closed",
                                             "limit": "at least 1", "overdue": "true or false"}
    assert api.get("/api/v1/questions?cursor=xyz").get_json()["fields"] == {"cursor": "not a cursor"}
    robot_me = api.get("/api/v1/questions?owner=me", "robot")
    assert robot_me.status_code == 400 and robot_me.get_json()["fields"] == {"owner": "me needs a user token"}


def test_patch_changes_subject_owner_and_track_keeping_the_receipt(api: Api) -> None:
    topic(api.services, "benefits")
    q = _question(api)
    number = q["registration_number"]
    response = api.patch(f"/api/v1/questions/{number}", json={
        "topic": "benefits", "owner_user_id": api.user_ids["expert"], "track": "competence",
        "reason": "needs the back office"})
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert (changed["topic"], changed["subject"]) == ("benefits", q["subject"])
    assert changed["track"] == "competence"
    assert changed["received_at"] == q["received_at"] and changed["due_at"] > q["due_at"]
    due = api.services.calendar.deadline(T0, "competence").due.astimezone(UTC).isoformat()
    assert changed["due_at"] == due
    path = f"/api/v1/questions/{number}"
    history = api.get(path).get_json()["history"]
    assert [e["kind"] for e in history] == ["registered", "subject_changed", "owner_changed",
                                            "track_switched"]
    again = api.patch(path, json={"track": "competence", "subject": q["subject"]})
    assert again.status_code == 200 and len(api.get(path).get_json()["history"]) == 4
    assert api.patch(path, json={}).get_json()["fields"] == {"body": "nothing to change"}


def test_a_failing_patch_changes_nothing(api: Api) -> None:
    number = _question(api)["registration_number"]
    api.post(f"/api/v1/questions/{number}/answer", json={"tier": "back"})
    response = api.patch(f"/api/v1/questions/{number}", json={"owner_user_id": api.user_ids["agent"],
                                                              "track": "competence"})
    assert (response.status_code, response.get_json()["error"]) == (409, "question-not-open")
    read = api.get(f"/api/v1/questions/{number}").get_json()
    assert read["owner_user_id"] is None and [e["kind"] for e in read["history"]][-1] == "status_changed"


def test_events_add_notes_reminders_calls_and_faq_flags(api: Api) -> None:
    number = _question(api)["registration_number"]
    api.services.calls.record_finished(FinishedCall("call-1", "+32471123456", "+3225088500", "inbound",
                                                    T0 - timedelta(minutes=5), T0))
    path = f"/api/v1/questions/{number}/events"
    assert api.post(path, json={"kind": "note", "text": "Rappeler demain"}).status_code == 201
    assert api.post(path, json={"kind": "reminder"}).status_code == 201
    assert api.post(path, json={"kind": "call_linked", "call_id": "call-1"}).status_code == 201
    detail = api.post(path, json={"kind": "faq_flagged"}).get_json()
    assert detail["faq_needed"] is True
    assert [(e["kind"], e["by"]) for e in detail["history"][1:]] == [
        (kind, api.user_ids["agent"]) for kind in ("note", "reminder", "call_linked", "faq_flagged")]
    assert api.get("/api/v1/calls/call-1").get_json()["question"] == number
    assert api.post(path, json={"kind": "note"}).get_json()["fields"] == {"text": "required"}
    assert api.post(path, json={"kind": "registered"}).status_code == 400
    missing_call = api.post(path, json={"kind": "call_linked", "call_id": "nope"})
    assert (missing_call.status_code, missing_call.get_json()["error"]) == (404, "no-such-call")


def test_status_answer_and_close_follow_the_status_machine(api: Api) -> None:
    number = _question(api)["registration_number"]
    status = f"/api/v1/questions/{number}/status"
    moved = api.post(status, json={"status": "in_progress", "note": "Je regarde"})
    assert moved.get_json()["status"] == "in_progress"
    assert api.post(status, json={"status": "answered"}).get_json()["fields"] == {"tier": "front or back"}
    early = api.post(f"/api/v1/questions/{number}/close")
    assert (early.status_code, early.get_json()["error"]) == (409, "invalid-transition")
    api.clock.set(T0 + timedelta(hours=2))
    answered = api.post(f"/api/v1/questions/{number}/answer", json={"tier": "back"}).get_json()
    assert (answered["status"], answered["answered_by_tier"]) == ("answered", "back")
    assert answered["answered_at"] == (T0 + timedelta(hours=2)).isoformat()
    closed = api.post(f"/api/v1/questions/{number}/close", json={"note": "Merci"})
    assert closed.status_code == 200 and closed.get_json()["closed_at"] is not None
    assert api.post(f"/api/v1/questions/{number}/close").status_code == 409


def test_frequent_subjects_count_topics_without_a_faq(api: Api) -> None:
    topic(api.services, "benefits")
    topic(api.services, "answered", faq="https://faq.example/1")
    for _ in range(2):
        _question(api, topic="benefits", subject=None)
    _question(api, topic="answered")
    api.clock.set(T0 + timedelta(minutes=1))  # the period ends now, excluded: let "now" pass the receipts
    found = api.get("/api/v1/questions/frequent-subjects?min_count=2&since=2026-11-01").get_json()["items"]
    assert [(f["code"], f["count"]) for f in found] == [("benefits", 2)]
    later = "/api/v1/questions/frequent-subjects?since=2026-11-26T10:30&until=2026-11-27&min_count=1"
    assert api.get(later).get_json()["items"] == []
    bad = api.get("/api/v1/questions/frequent-subjects?since=soon&min_count=0")
    assert bad.status_code == 400 and set(bad.get_json()["fields"]) == {"min_count"}


def test_topics_are_listed_and_added_by_the_coordinator(api: Api) -> None:
    new = {"code": "benefits", "names": {"fr": "RIS", "nl": "LL", "de": "EG", "en": "Income"}}
    refused = api.post("/api/v1/topics", json=new)
    assert refused.status_code == 403
    created = api.post("/api/v1/topics", "coordinator", json=new)
    assert created.status_code == 201 and created.get_json()["active"] is True
    assert api.post("/api/v1/topics", "coordinator", json=new).status_code == 409
    assert api.get("/api/v1/topics?active=true", "coach").get_json()["items"] == [created.get_json()]
    incomplete = api.post("/api/v1/topics", "coordinator", json={"code": "x", "names": {"fr": "X"}})
    assert incomplete.get_json()["fields"] == {"names.nl": "required", "names.de": "required",
                                               "names.en": "required"}


def test_calls_are_read_by_their_telephony_id(api: Api) -> None:
    started = datetime(2026, 11, 26, 8, 55, tzinfo=UTC)
    api.services.calls.record_finished(FinishedCall("sip-42@pbx", "0471 12 34 56", "+3225088500", "inbound",
                                                    started, T0, answered_at=started, outcome="answered"))
    call = api.get("/api/v1/calls/sip-42@pbx", "coach").get_json()
    assert (call["from_number"], call["started_at"], call["outcome"]) == ("+32471123456", started.isoformat(),
                                                                         "answered")
    assert api.get("/api/v1/calls/unknown").status_code == 404
    assert api.get("/api/v1/calls/sip-42@pbx", "robot").status_code == 403
