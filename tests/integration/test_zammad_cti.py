"""Zammad's generic CTI (form posts, token in the URL) feeding the same call lifecycle."""

from __future__ import annotations

import pytest

from callcenter.bootstrap import Services
from tests.integration.routing_support import add_agent, client, count, routed_services  # noqa: F401
from webhooks import cti_payloads

pytestmark = pytest.mark.redis


def post(services: Services, token: str, **form: str) -> tuple[int, dict[str, object]]:
    response = client(services).post(f"/cti/v1/zammad/{token}", data=form)
    return response.status_code, response.get_json()


def test_a_zammad_call_is_recorded_answered_and_ended(routed: Services) -> None:
    jan = add_agent(routed, "jan")
    _, token = routed.identity.create_token("pbx-zammad", ["cti:zammad"])
    status, body = post(routed, token, event="newCall", direction="in", callId="z-1", **{
        "from": "32471123456", "to": "3225088586", "user[]": "Jan"})
    assert status == 200 and cti_payloads.validate("cti-event-response", body)["event"] == "newCall"
    assert post(routed, token, event="answer", direction="in", callId="z-1", user="Jan",
                answeringNumber="jan")[1]["answered_by"] == jan
    assert routed.presence.get(jan).status == "on_call"
    assert post(routed, token, event="hangup", direction="in", callId="z-1", cause="normalClearing",
                answeringNumber="jan")[1]["outcome"] == "answered"
    call = routed.call_lifecycle.record("z-1")
    assert (call["from"], call["to"], call["agent_id"], call["hangup_cause"]) == (
        "+32471123456", "+3225088586", jan, "normalClearing")
    assert routed.presence.get(jan).status == "wrap_up"


def test_a_repeated_zammad_event_is_processed_once(routed: Services) -> None:
    _, token = routed.identity.create_token("pbx-zammad", ["cti:zammad"])
    form = {"event": "newCall", "direction": "in", "callId": "z-2", "from": "32471123456", "to": "3225088586"}
    assert post(routed, token, **form) == post(routed, token, **form)
    assert count(routed, "cti_requests") == 1 and count(routed, "calls") == 1


def test_only_a_valid_token_with_the_zammad_scope_gets_in(routed: Services) -> None:
    form = {"event": "newCall", "direction": "in", "callId": "z-3", "from": "1", "to": "2"}
    assert post(routed, "cc_not-a-token", **form)[0] == 401
    token_row, other = routed.identity.create_token("crm", ["calls:read"])
    assert post(routed, other, **form) == (403, {"error": "forbidden", "fields": {"scope": "cti:zammad"},
                                                 "message": "This token lacks the scope 'cti:zammad'."})
    token_row, token = routed.identity.create_token("pbx-zammad", ["cti:zammad"])
    routed.identity.revoke_token(token_row.id)
    assert post(routed, token, **form)[0] == 401
    assert count(routed, "calls") == 0


def test_a_zammad_form_missing_fields_is_refused(routed: Services) -> None:
    _, token = routed.identity.create_token("pbx-zammad", ["cti:zammad"])
    status, body = post(routed, token, event="newCall", callId="z-4")
    assert status == 400 and {"from", "to", "direction"} <= set(body["fields"])  # type: ignore[arg-type]
