"""Refusals read in the panel's language by logged-in browsers, in English (same code) by API clients."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from callcenter.domain.identity import NewUser, Role
from callcenter.domain.presence import DEFAULT_PAUSE_REASONS, AgentState, PresenceStatus, set_by_agent
from tests.integration import panel_support
from tests.integration.panel_support import PASSWORD, Desk, ask, logged_in, record_call

desk, closures_file = panel_support.desk, panel_support.closures_file  # fixtures

JSON = {"Accept": "application/json"}


def mistyped(number: str) -> str:
    """Return ``number`` with its last digit changed: a typo the check digits catch."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def dutch_agent(desk: Desk) -> tuple[FlaskClient, str]:
    lies = NewUser("lies", "Lies", "lies@mi-is.be", frozenset({Role.AGENT}), "nl")
    desk.services.identity.create_user(lies, PASSWORD)
    return logged_in(desk.app, "lies")


@pytest.mark.parametrize(("who", "wanted"), [
    ("anna", "Ce numéro d'enregistrement contient une faute de frappe : vérifiez-le et réessayez."),
    ("lies", "Dit registratienummer bevat een tikfout: controleer het en probeer opnieuw."),
])
def test_a_mistyped_registration_number_is_told_in_the_agents_language(desk: Desk, who: str,
                                                                         wanted: str) -> None:
    client, token = logged_in(desk.app, "anna") if who == "anna" else dutch_agent(desk)
    number = ask(desk.services, desk.staff)
    record_call(desk.services, "call-1")
    response = client.post("/agent/calls/call-1/link", data={"registration_number": mistyped(number)},
                           headers={**JSON, "X-CSRF-Token": token})
    assert response.status_code == 422
    assert response.json == {"error": "mistyped-registration-number", "message": wanted,
                             "fields": {"registration_number": "mistyped"}}


def test_an_agent_on_a_call_is_told_to_wait_in_french_and_dutch(desk: Desk,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    lies_client, lies_token = dutch_agent(desk)
    anna_client, anna_token = logged_in(desk.app, "anna")
    now = desk.services.clock.now()

    def set_status(agent_id: int, status: str, reason: str | None = None) -> AgentState:
        """The presence rule itself, applied to an agent who is on a call."""
        on_call = AgentState(agent_id, PresenceStatus.ON_CALL, now)
        return set_by_agent(on_call, status, reason, now, DEFAULT_PAUSE_REASONS)

    monkeypatch.setattr(desk.presence, "set_status", set_status)
    said = []
    for client, token in ((anna_client, anna_token), (lies_client, lies_token)):
        response = client.post("/agent/presence", data={"status": "paused", "reason": "lunch"},
                               headers={**JSON, "X-CSRF-Token": token})
        assert response.status_code == 409 and response.json["error"] == "agent-on-call"
        assert response.json["fields"] == {"status": "on a call"}
        said.append(response.json["message"])
    assert said == ["Vous êtes en communication : attendez la fin de l'appel.",
                          "U bent in gesprek: wacht tot het gesprek afgelopen is."]


def test_a_closed_question_and_a_linked_call_are_told_in_dutch(desk: Desk) -> None:
    client, token = dutch_agent(desk)
    headers = {**JSON, "X-CSRF-Token": token}
    number = ask(desk.services, desk.staff)
    record_call(desk.services, "call-2")
    assert client.post("/agent/calls/call-2/link", data={"registration_number": number},
                       headers=headers).status_code == 200
    again = client.post("/agent/calls/call-2/link", data={"registration_number": number}, headers=headers)
    assert again.status_code == 409 and again.json["error"] == "conflict"
    assert again.json["message"] == "Dit gesprek is al aan deze vraag gekoppeld."
    desk.services.questions.mark_answered(number, "front", desk.staff.agent, None)
    desk.services.questions.close(number, desk.staff.agent, None)
    closed = client.get(f"/agent/questions/{number}/experts", headers=headers)
    assert closed.status_code == 409 and closed.json["error"] == "question-not-open"
    assert closed.json["message"] == "Deze vraag is niet meer open: ze is al beantwoord of afgesloten."


def test_csrf_failures_and_http_errors_of_the_panel_are_translated(desk: Desk) -> None:
    client, token = logged_in(desk.app, "anna")
    refused = client.post("/agent/presence", data={"status": "available"}, headers=JSON)
    assert refused.status_code == 403 and refused.json["error"] == "csrf-failed"
    assert refused.json["message"] == ("Le formulaire a expiré ou n'a pas été envoyé depuis ce site : "
                                       "rechargez la page.")
    wrong_method = client.get("/agent/presence", headers=JSON)
    assert wrong_method.status_code == 405 and wrong_method.json["error"] == "method-not-allowed"
    assert wrong_method.json["message"] == "Cette action n'est pas possible ici."
    missing = client.get("/agent/nothing-here", headers=JSON)
    assert missing.status_code == 404 and missing.json["message"] == "Cette page ou cet élément n'existe pas."
    # Before logging in, the login form's own refusal follows the browser's language.
    stranger = desk.app.test_client()
    login = stranger.post("/login", data={"username": "anna", "password": PASSWORD},
                          headers={"Accept-Language": "nl"})
    assert login.status_code == 403 and login.json["error"] == "csrf-failed"
    assert login.json["message"] == ("Het formulier is verlopen of werd niet vanaf deze site verstuurd: "
                                     "laad de pagina opnieuw.")


def test_an_expired_session_is_told_in_the_users_language(desk: Desk) -> None:
    client, _ = dutch_agent(desk)
    clock: Any = desk.services.clock
    clock.set(clock.now() + timedelta(minutes=desk.services.settings.session_idle_minutes + 1))
    response = client.get("/agent/lookup?number=%2B32471123456", headers=JSON)
    assert response.status_code == 401 and response.json["error"] == "session-expired"
    assert response.json["message"] == "Uw sessie was te lang inactief: meld u opnieuw aan."


def test_api_clients_with_a_token_keep_the_english_message_and_the_same_code(desk: Desk) -> None:
    _, raw = desk.services.identity.create_token("panel-test", ["questions:write", "questions:read"],
                                                 username="anna")
    number = mistyped(ask(desk.services, desk.staff))
    record_call(desk.services, "call-3")
    browser, _ = logged_in(desk.app, "anna")  # even from a browser with a French session: the token decides
    for client in (desk.app.test_client(), browser):
        response = client.post(f"/api/v1/questions/{number}/events", json={"kind": "call_linked",
                                                                          "call_id": "call-3"},
                               headers={"Authorization": f"Bearer {raw}", "Accept-Language": "fr"})
        assert response.status_code == 422
        assert response.json == {
            "error": "mistyped-registration-number",
            "message": f"'{number}' is not a valid registration number: please check it for a typo.",
            "fields": {"registration_number": "mistyped"}}
    missing = desk.app.test_client().get("/api/v1/nothing-here", headers={"Authorization": f"Bearer {raw}",
                                                                           "Accept-Language": "fr"})
    assert missing.status_code == 404 and missing.json["error"] == "not-found"
    assert "n'existe pas" not in missing.json["message"]


def test_requests_without_a_browser_session_stay_in_english(desk: Desk) -> None:
    anonymous = desk.app.test_client().get("/api/v1/questions", headers={"Accept-Language": "fr"})
    assert anonymous.status_code == 401 and anonymous.json["error"] == "invalid-credentials"
    assert anonymous.json["message"] == "Log in first."
