"""The agent panel's pages and actions on SQLite and PostgreSQL with the real Redis (presence is a fake)."""

from __future__ import annotations

from datetime import timedelta

from callcenter.domain.identity import NewUser, Role
from callcenter.domain.questions import Status
from tests.integration import panel_support
from tests.integration.panel_support import PASSWORD, Desk, ask, csrf_of, logged_in, record_call
from tests.integration.sla_support import count

desk, closures_file = panel_support.desk, panel_support.closures_file  # fixtures

JSON = {"Accept": "application/json"}


def test_pages_of_agents_need_a_login(desk: Desk) -> None:
    client = desk.app.test_client()
    response = client.get("/agent")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/agent")
    stream = client.get("/agent/events")  # scripts and streams are refused, not sent to a form
    assert stream.status_code == 401 and stream.json["error"] == "invalid-credentials"
    assert client.post("/agent/questions/2026-0000-0000-00/notes").status_code == 401


def test_a_wrong_password_shows_the_form_again_with_an_error(desk: Desk) -> None:
    client = desk.app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "anna", "password": "nope", "csrf_token": token},
                           headers={"Accept-Language": "nl"})
    page = response.get_data(as_text=True)
    assert response.status_code == 401 and 'role="alert"' in page and 'aria-invalid="true"' in page
    assert client.post("/login", data={"username": "anna", "password": PASSWORD}).status_code == 403


def test_login_opens_the_panel_in_the_users_language_with_a_fresh_session(desk: Desk) -> None:
    lies = NewUser("lies", "Lies", "lies@mi-is.be", frozenset({Role.AGENT}), "nl")
    desk.services.identity.create_user(lies, PASSWORD)
    client = desk.app.test_client()
    before = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "lies", "password": PASSWORD, "csrf_token": before})
    assert response.headers["Location"] == "/agent"
    page = client.get("/agent")
    html = page.get_data(as_text=True)
    assert '<html lang="nl">' in html and csrf_of(html) != before  # the session was regenerated
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    assert 'aria-live="assertive"' in html and "<main" in html and 'for="pause-reason"' in html


def test_the_language_switcher_remembers_the_users_choice(desk: Desk) -> None:
    client, token = logged_in(desk.app, "anna")
    response = client.post("/account/language?next=/agent", data={"language": "de", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/agent"
    assert '<html lang="de">' in client.get("/agent").get_data(as_text=True)
    assert [u.language for u in desk.services.identity.list_users() if u.username == "anna"] == ["de"]


def test_presence_is_set_by_the_form_and_refused_without_csrf(desk: Desk) -> None:
    client, token = logged_in(desk.app, "anna")
    paused = {"status": "paused", "reason": "lunch", "csrf_token": token}
    response = client.post("/agent/presence", data=paused, headers=JSON)
    assert response.status_code == 200 and response.json["status"] == "paused"
    assert desk.presence.calls == [(desk.staff.agent, "paused", "lunch")]
    assert client.post("/agent/presence", data={"status": "available"}, headers=JSON).status_code == 403
    redirected = client.post("/agent/presence", data={"status": "available", "csrf_token": token})
    assert redirected.status_code == 302 and desk.presence.get(desk.staff.agent).status.value == "available"


def test_logging_out_sets_the_agent_offline(desk: Desk) -> None:
    client, token = logged_in(desk.app, "anna")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert desk.presence.calls[-1] == (desk.staff.agent, "offline", None)
    assert client.get("/agent").status_code == 302


def test_a_question_registered_from_the_panel_is_linked_to_the_call(desk: Desk) -> None:
    client, token = logged_in(desk.app, "anna")
    record_call(desk.services, "call-1")
    contact = desk.services.contacts.create(_contact())
    response = client.post("/agent/calls/call-1/questions", headers={**JSON, "X-CSRF-Token": token},
                           data={"contact_id": str(contact.id), "topic": "ris", "subject": "RIS étudiant"})
    assert response.status_code == 200, response.json
    number = response.json["registration_number"]
    assert desk.services.calls.get("call-1").question_registration_number == number
    assert number in response.json["message"]


def test_a_new_caller_and_the_question_are_created_together_or_not_at_all(desk: Desk) -> None:
    client, token = logged_in(desk.app, "anna")
    form = {"contact_id": "", "contact_name": "Jan Peeters", "contact_language": "nl",
            "number": "+32471999888", "subject": "Leefloon"}
    refused = client.post("/agent/calls/no-such-call/questions", data=form, headers={"X-CSRF-Token": token})
    assert refused.status_code == 404 and refused.json["error"] == "no-such-call"
    assert count(desk.services, "contacts") == 0 and count(desk.services, "questions") == 0
    record_call(desk.services, "call-2", "+32471999888")
    created = client.post("/agent/calls/call-2/questions", data=form, headers={"X-CSRF-Token": token})
    assert created.status_code == 200
    lookup = client.get("/agent/lookup?number=%2B32471999888").json
    [caller] = lookup["contacts"]
    assert caller["name"] == "Jan Peeters" and caller["language"] == "nl"
    numbers = [q["registration_number"] for q in caller["open_questions"]]
    assert numbers == [created.json["registration_number"]]


def test_link_note_and_answer_by_the_front_office(desk: Desk) -> None:
    client, token = logged_in(desk.app, "anna")
    headers = {"X-CSRF-Token": token}
    number = ask(desk.services, desk.staff)
    record_call(desk.services, "call-3")
    assert client.post("/agent/calls/call-3/link", data={"registration_number": number},
                       headers=headers).status_code == 200
    assert client.post(f"/agent/questions/{number}/notes", data={"text": "Rappel demandé"},
                       headers=headers).status_code == 200
    answered = client.post(f"/agent/questions/{number}/answered", data={"note": "Expliqué"}, headers=headers)
    assert answered.status_code == 200
    question = desk.services.questions.get(number)
    assert question.status is Status.ANSWERED and question.answered_by_tier is not None
    assert [e.kind.value for e in desk.services.questions.history(number)] == [
        "registered", "call_linked", "note", "status_changed"]
    again = client.post(f"/agent/questions/{number}/answered", headers=headers)
    assert again.status_code == 409 and again.json["error"] == "invalid-transition"


def test_transfer_to_a_proposed_expert(desk: Desk) -> None:
    client, token = logged_in(desk.app, "anna")
    number = ask(desk.services, desk.staff)
    experts = client.get(f"/agent/questions/{number}/experts").json["experts"]
    assert [(e["user_id"], e["available"]) for e in experts] == [(desk.staff.expert, True),
                                                                   (desk.staff.absent_expert, True)]
    response = client.post(f"/agent/questions/{number}/transfer", headers={"X-CSRF-Token": token},
                           data={"expert_id": str(desk.staff.expert), "note": "Cas complexe"})
    assert response.status_code == 200
    question = desk.services.questions.get(number)
    assert (question.status, question.owner_user_id) == (Status.TRANSFERRED, desk.staff.expert)
    bad = client.post(f"/agent/questions/{number}/transfer", data={"expert_id": "x"},
                      headers={"X-CSRF-Token": token})
    assert bad.status_code == 400 and bad.json["fields"] == {"expert_id": "a whole number"}


def test_a_delay_notice_names_a_working_day(desk: Desk) -> None:
    client, token = logged_in(desk.app, "anna")
    number = ask(desk.services, desk.staff)
    headers = {"X-CSRF-Token": token}
    url = f"/agent/questions/{number}/delay"
    saturday = client.post(url, data={"due_day": "2026-12-05", "reason": "Enquête"}, headers=headers)
    assert saturday.status_code == 422 and saturday.json["fields"] == {"due_day": "not a working day"}
    sent = client.post(url, data={"due_day": "2026-12-04", "reason": "Enquête"}, headers=headers)
    assert sent.status_code == 200, sent.json
    question = desk.services.questions.get(number)
    assert question.status is Status.DELAYED
    assert question.due_at.date() == (question.received_at + timedelta(days=8)).date()
    assert len(desk.services.workflows.callback_tasks(number)) == 1  # answered by phone: the owner calls back


def _contact():  # type: ignore[no-untyped-def]
    from callcenter.services.contacts import ContactIn

    return ContactIn("Anne Peeters", ("0471 12 34 56",), "anne@example.be", "nl")
