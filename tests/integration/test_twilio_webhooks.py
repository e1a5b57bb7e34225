"""The Twilio webhooks' edges on SQLite and PostgreSQL with real Redis: signatures, bad input, retries,
recordings, the ten-noun cap, callbacks out of order and calls already over."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from callcenter.bootstrap import Services
from callcenter.services.clock import FixedClock
from tests.integration.routing_support import CITIZEN, OUR_NUMBER, T0, add_agent, count, routing_services
from tests.integration.twilio_support import TOKEN, Provider, office_services, twiml_of  # noqa: F401
from tests.twiml_reference import ring_reference, same_twiml
from webhooks import cti_payloads

pytestmark = pytest.mark.redis
PUBLIC = "https://callcenter.example.be/phone"


@pytest.fixture(name="build")
def build_office(make_settings: Any, database_url: str, redis_url: str) -> Iterator[Any]:
    """Build services at T0 with the given settings (on top of an auth token)."""
    built: list[Services] = []

    def build(**options: Any) -> Services:
        settings = make_settings(database_url=database_url, redis_url=redis_url,
                                 **({"twilio_auth_token": TOKEN} | options))
        built.append(routing_services(settings, FixedClock(T0)))
        return built[-1]

    yield build
    for services in built:
        services.close()


def refused(response: Any, why: str) -> bool:
    error = cti_payloads.validate("error", response.get_json())
    return response.status_code == 403 and error["error"] == "bad-signature" and why in error["message"]


@pytest.mark.parametrize(("how", "why"), [
    ({"signature": ""}, "not signed"),
    ({"signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="}, "does not match"),
    ({"token": "another-token"}, "does not match"),
    ({"base": "https://elsewhere.example.be"}, "does not match"),
])
def test_unsigned_and_wrongly_signed_requests_get_403_and_change_nothing(
        office: Services, how: dict[str, Any], why: str) -> None:
    add_agent(office, "marie")
    options = {k: v for k, v in how.items() if k in ("token", "base")}
    provider = Provider(office, **options)
    if "signature" in how:
        params = {"CallSid": "CA1", "From": CITIZEN, "To": OUR_NUMBER}
        response = provider.post("/webhooks/twilio/voice", params, signature=how["signature"])
    else:
        response = provider.call()
    assert refused(response, why)
    assert count(office, "calls") == 0 and count(office, "cti_requests") == 0
    assert office.presence.get(1).status == "available"


def test_a_tampered_parameter_or_no_configured_token_is_refused(office: Services, build: Any) -> None:
    provider = Provider(office)
    params = {"CallSid": "CA1", "From": CITIZEN, "To": OUR_NUMBER}
    signature = RequestValidator(TOKEN).compute_signature("http://localhost/webhooks/twilio/voice", params)
    response = provider.web.post("/webhooks/twilio/voice", data={**params, "From": "+32470000000"},
                                 headers={"X-Twilio-Signature": signature})  # signed, then the caller changed
    assert refused(response, "does not match")
    assert refused(Provider(build(twilio_auth_token="")).call(), "no auth token")
    assert refused(provider.post("/webhooks/twilio/status", {"CallSid": "CA1", "CallStatus": "completed"},
                                 signature="x"), "does not match")


def test_behind_a_proxy_the_public_base_url_is_signed_and_used_in_the_twiml(build: Any) -> None:
    office = build(public_base_url=PUBLIC + "/")
    marie = add_agent(office, "marie")
    assert refused(Provider(office).call(), "does not match")  # signed for http://localhost
    answer = twiml_of(Provider(office, base=PUBLIC).call())
    dial = answer.find("Dial")
    assert dial is not None and dial.get("action") == f"{PUBLIC}/webhooks/twilio/dial-action?round=1"
    assert dial[0].get("statusCallback") == f"{PUBLIC}/webhooks/twilio/status?agent={marie}&round=1"
    # The provider may sign with the scheme's default port written out.
    with_port = Provider(office, base="https://callcenter.example.be:443/phone")
    assert twiml_of(with_port.call("CA2")).tag == "Response"


@pytest.mark.parametrize(("path", "params", "query", "field"), [
    ("/webhooks/twilio/voice", {"CallSid": "CA1", "To": OUR_NUMBER}, None, "From"),
    ("/webhooks/twilio/voice", {"CallSid": "CA1", "From": CITIZEN, "To": OUR_NUMBER}, {"round": "x"},
     "round"),
    ("/webhooks/twilio/voice", {"CallSid": "CA1", "From": CITIZEN, "To": OUR_NUMBER},
     {"round": 1, "wait": "-1"}, "wait"),
    ("/webhooks/twilio/dial-action", {"CallSid": "CA1", "DialCallStatus": "ringing"}, {"round": 1},
     "DialCallStatus"),
    ("/webhooks/twilio/dial-action", {"CallSid": "CA1", "DialCallStatus": "no-answer"}, {"round": 1}, "From"),
    ("/webhooks/twilio/status", {"CallSid": "CA1", "CallStatus": "ringing", "ParentCallSid": "CA0"}, None,
     "agent"),
    ("/webhooks/twilio/status", {"CallSid": "CA1"}, None, "CallStatus"),
    ("/webhooks/twilio/recording", {"CallSid": "CA1", "RecordingSid": "RE1"}, None, "RecordingUrl"),
])
def test_missing_or_bad_parameters_get_400_with_the_fields(
        office: Services, path: str, params: dict[str, str], query: dict[str, Any] | None,
        field: str) -> None:
    response = Provider(office).post(path, params, query=query)
    assert response.status_code == 400
    assert field in cti_payloads.validate("error", response.get_json())["fields"]
    assert count(office, "cti_requests") == 0


def test_a_retry_is_processed_once_and_gets_the_same_twiml(office: Services) -> None:
    provider = Provider(office)
    marie = add_agent(office, "marie")
    retry = {"I-Twilio-Idempotency-Token": "tok-1"}
    first = provider.post("/webhooks/twilio/voice", {"CallSid": "CA1", "From": CITIZEN, "To": OUR_NUMBER},
                          headers=retry)
    again = provider.post("/webhooks/twilio/voice", {"CallSid": "CA1", "From": CITIZEN, "To": OUR_NUMBER},
                          headers=retry)
    assert first.get_data() == again.get_data() and twiml_of(first).find("Dial") is not None
    assert count(office, "cti_requests") == 1 and office.live.kinds(marie).count("screen_pop") == 1
    provider.leg("busy", marie, 1)  # marie declines; the same callback again (no token) is the same request
    provider.leg("busy", marie, 1)
    assert count(office, "cti_requests", "kind = 'event'") == 1
    assert office.call_lifecycle.record("CA1")["legs"][0]["outcome"] == "declined"


def test_requests_of_one_call_are_told_apart_by_endpoint_query_and_status(office: Services) -> None:
    provider = Provider(office)
    twiml_of(provider.call())
    twiml_of(provider.call(query={"round": 1, "wait": 1}))
    twiml_of(provider.call(query={"round": 1, "wait": 2}))
    twiml_of(provider.call(query={"round": 1, "wait": 2}))  # a retry of the second redirect
    assert count(office, "cti_requests", "kind = 'route'") == 3
    twiml_of(provider.call_status("ringing")), twiml_of(provider.call_status("completed"))
    twiml_of(provider.call_status("completed"))
    assert count(office, "cti_requests", "kind = 'event'") == 2
    assert office.call_lifecycle.record("CA1")["outcome"] == "abandoned"


def test_recorded_calls_ask_for_dual_channel_recording_and_keep_it_once(build: Any) -> None:
    office = build(twilio_record_calls=True)
    provider = Provider(office)
    marie = add_agent(office, "marie")
    reference = ring_reference([("sip", marie, "sip:marie@pbx.test")], 1, 20, record=True)
    assert same_twiml(twiml_of(provider.call()), reference)
    report = {"CallSid": "CA1", "RecordingSid": "RE1", "RecordingStatus": "completed",
              "RecordingDuration": "42", "RecordingChannels": "2", "RecordingSource": "DialVerb",
              "AccountSid": "AC1",
              "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"}
    for _ in range(2):
        assert twiml_of(provider.post("/webhooks/twilio/recording", report)).tag == "Response"
    assert count(office, "cti_requests", "kind = 'recording'") == 1
    assert office.provider_calls.recordings("CA1") == [
        {"provider": "twilio", "recording_sid": "RE1", "status": "completed", "url": report["RecordingUrl"],
         "duration_s": 42, "channels": 2}]


def test_a_round_rings_at_most_ten_agents_and_leaves_the_others_free(office: Services) -> None:
    agents = [add_agent(office, f"agent{n:02d}") for n in range(12)]
    dial = twiml_of(Provider(office).call()).find("Dial")
    assert dial is not None and len(dial) == 10
    statuses = [office.presence.get(a).status for a in agents]
    assert statuses.count("ringing") == 10 and statuses.count("available") == 2
    assert len(office.call_lifecycle.record("CA1")["legs"]) == 10


def test_callbacks_out_of_order_still_make_a_complete_record(office: Services) -> None:
    provider = Provider(office)
    jan = add_agent(office, "jan")
    twiml_of(provider.call())
    twiml_of(provider.call_status("completed"))  # the call's end arrives before the agent's answer
    twiml_of(provider.leg("in-progress", jan, 1))
    call = office.call_lifecycle.record("CA1")
    assert (call["agent_id"], call["outcome"]) == (jan, "answered")


def test_a_call_already_over_gets_a_hangup_not_an_error(office: Services) -> None:
    provider = Provider(office)
    twiml_of(provider.call())
    twiml_of(provider.call_status("canceled"))
    for late in (provider.dial_action("no-answer", 1), provider.call(query={"round": 1, "wait": 1})):
        assert [e.tag for e in twiml_of(late)] == ["Hangup"]
    assert office.call_lifecycle.record("CA1")["hangup_cause"] == "cancel"
