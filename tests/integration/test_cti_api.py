"""The CTI API on SQLite and PostgreSQL with real Redis: signatures, routing, events, idempotency, records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from callcenter.bootstrap import Services
from callcenter.domain.call_events import CallEvent, CallEventKind
from callcenter.services.contacts import ContactIn
from tests.integration.routing_support import (  # noqa: F401
    CITIZEN,
    DUTCH_NUMBER,
    OUR_NUMBER,
    add_agent,
    client,
    count,
    routed_services,
    signed_post,
)
from webhooks import cti_payloads

pytestmark = pytest.mark.redis


def route(services: Services, call_id: str = "c1", round_: int = 1, *, request_id: str | None = None,
          caller: str = CITIZEN, to: str = OUR_NUMBER, **extra: Any) -> dict[str, Any]:
    body = {"call_id": call_id, "request_id": request_id or f"{call_id}-r{round_}-{services.clock.now()}",
            "from": caller, "to": to, "round": round_, **extra}
    response = signed_post(client(services), services, "/cti/v1/route", body)
    assert response.status_code == 200, response.get_json()
    return cti_payloads.validate("cti-route-response", response.get_json())


def event(services: Services, event_id: str, kind: str, call_id: str = "c1", **fields: Any) -> dict[str, Any]:
    response = signed_post(client(services), services, "/cti/v1/events",
                           {"event_id": event_id, "event": kind, "call_id": call_id, **fields})
    assert response.status_code == 200, response.get_json()
    return cti_payloads.validate("cti-event-response", response.get_json())


def later(services: Services, seconds: float) -> None:
    services.clock.set(services.clock.now() + timedelta(seconds=seconds))


@pytest.mark.parametrize(("how", "why"), [
    ({"header": ""}, "not signed"),
    ({"timestamp_shift": -301}, "300 s"),
    ({"secret": "not-the-secret"}, "does not match"),
    ({"header": "t=1,v1=zz"}, "300 s"),
])
def test_unsigned_stale_and_wrongly_signed_requests_get_401(routed: Services, how: dict[str, Any],
                                                           why: str) -> None:
    body = {"call_id": "c1", "request_id": "r1", "from": CITIZEN, "to": OUR_NUMBER, "round": 1}
    how = dict(how)
    shift = how.pop("timestamp_shift", 0)
    moment = int(routed.clock.now().timestamp()) + shift
    response = signed_post(client(routed), routed, "/cti/v1/route", body, timestamp=moment, **how)
    assert response.status_code == 401
    error = cti_payloads.validate("error", response.get_json())
    assert error["error"] == "bad-signature" and why in error["message"]
    assert count(routed, "calls") == 0


def test_payloads_are_checked_against_their_schema(routed: Services) -> None:
    response = signed_post(client(routed), routed, "/cti/v1/route", {"call_id": "c1", "round": 0, "extra": 1})
    assert response.status_code == 400
    fields = response.get_json()["fields"]
    assert {"request_id", "from", "to", "round", "body"} <= set(fields)
    hangup = signed_post(client(routed), routed, "/cti/v1/events", {"event_id": "e", "event": "hangup",
                                                                    "call_id": "c1"})
    assert hangup.status_code == 400 and "cause" in hangup.get_json()["fields"]


def test_a_call_rings_the_agents_of_its_language_and_pops_their_screens(routed: Services) -> None:
    marie, jan = add_agent(routed, "marie", "fr"), add_agent(routed, "jan", "nl")
    routed.contacts.create(ContactIn("Anne Peeters", (CITIZEN,), "anne@example.org", "nl"))
    decision = route(routed)
    assert decision["action"] == "ring" and decision["language"] == "nl"
    assert [(t["agent"], t["uri"]) for t in decision["targets"]] == [("jan", "sip:jan@pbx.test")]
    [(who, kind, pop)] = [e for e in routed.live.agents if e[1] == "screen_pop"]
    assert (who, pop["call_id"], pop["lookup"]["contacts"][0]["name"]) == (jan, "c1", "Anne Peeters")
    assert routed.presence.get(jan).status == "ringing"
    assert routed.presence.get(marie).status == "available"
    call = routed.call_lifecycle.record("c1")
    assert (call["from"], call["to"], call["language"], call["contact_id"]) == (CITIZEN, OUR_NUMBER, "nl", 1)
    assert [(leg["agent_id"], leg["outcome"]) for leg in call["legs"]] == [(jan, "rang")]


def test_an_unknown_caller_gets_the_language_of_the_number_dialled(routed: Services) -> None:
    add_agent(routed, "marie", "fr")
    jan = add_agent(routed, "jan", "nl", "fr")
    decision = route(routed, to=DUTCH_NUMBER)
    assert decision["language"] == "nl" and [t["agent_id"] for t in decision["targets"]] == [jan]


def test_max_targets_limits_how_many_agents_ring_at_once(routed: Services) -> None:
    agents = {add_agent(routed, name, "fr") for name in ("anne", "bert", "chloe", "dirk")}
    first = route(routed, max_targets=2)
    assert first["action"] == "ring" and len(first["targets"]) == 2
    rung = {t["agent_id"] for t in first["targets"]}
    assert {routed.presence.get(a).status for a in rung} == {"ringing"}
    assert {routed.presence.get(a).status for a in agents - rung} == {"available"}  # not reserved
    later(routed, 20)
    second = route(routed, round_=2, max_targets=3)
    assert len(second["targets"]) == 3
    unlimited = route(routed, call_id="c2", max_targets=0)  # 0: as many as routing chooses
    assert len(unlimited["targets"]) == 4 - 3
    body = {"call_id": "c3", "request_id": "r3", "from": CITIZEN, "to": OUR_NUMBER, "round": 1,
            "max_targets": -1}
    bad = signed_post(client(routed), routed, "/cti/v1/route", body)
    assert bad.status_code == 400 and "max_targets" in bad.get_json()["fields"]


def test_a_repeated_request_id_gets_the_original_answer_and_changes_nothing(routed: Services) -> None:
    add_agent(routed, "marie")
    first = route(routed, request_id="same")
    later(routed, 2)
    assert route(routed, request_id="same") == first
    assert count(routed, "call_legs") == 1 and count(routed, "cti_requests") == 1


def test_the_next_round_widens_and_records_the_unanswered_legs(routed: Services) -> None:
    marie = add_agent(routed, "marie", "fr")
    jan = add_agent(routed, "jan", "nl")
    assert [t["agent_id"] for t in route(routed, to=DUTCH_NUMBER)["targets"]] == [jan]
    later(routed, 20)
    second = route(routed, round_=2, to=DUTCH_NUMBER)
    assert (second["round"], {t["agent_id"] for t in second["targets"]}) == (2, {marie, jan})
    legs = routed.call_lifecycle.record("c1")["legs"]
    assert [(leg["agent_id"], leg["round"], leg["outcome"]) for leg in legs] == [
        (jan, 1, "no_answer"), (marie, 2, "rang"), (jan, 2, "rang")]


def test_an_answer_gives_the_call_to_one_agent_and_a_hangup_wraps_them_up(routed: Services) -> None:
    marie, jan = add_agent(routed, "marie"), add_agent(routed, "jan")
    assert event(routed, "e1", "newCall", **{"from": CITIZEN, "to": OUR_NUMBER})["outcome"] is None
    route(routed)
    later(routed, 4)
    answered = event(routed, "e2", "answer", agent="sip:jan@pbx.test")
    assert (answered["agent"], answered["answered_by"]) == ("jan", jan)
    assert event(routed, "e3", "answer", agent="marie")["answered_by"] == jan  # too late: jan won
    assert (routed.presence.get(jan).status, routed.presence.get(marie).status) == ("on_call", "available")
    later(routed, 60)
    assert event(routed, "e4", "hangup", cause="normalClearing")["outcome"] == "answered"
    wrap = routed.presence.get(jan)
    assert (wrap.status, wrap.until) == ("wrap_up", routed.clock.now() + timedelta(seconds=30))
    call = routed.call_lifecycle.record("c1")
    assert (call["agent_id"], call["outcome"], call["hangup_cause"]) == (jan, "answered", "normalClearing")
    assert {(leg["agent_id"], leg["outcome"]) for leg in call["legs"]} == {(jan, "answered"), (marie, "rang")}
    assert "call_answered" in routed.live.kinds(marie) and "call_ended" in routed.live.kinds(jan)
    assert routed.live.kinds(jan).count("presence") == 4  # available, ringing, on call, wrap-up
    supervisors = routed.live.supervisors
    assert {kind for kind, _ in supervisors} == {"agent_state", "queue", "call_stats"}
    queues = [data["waiting"] for kind, data in supervisors if kind == "queue"]
    assert [c["state"] for c in queues[0]] == ["ringing"] and queues[-1] == []
    assert [data for kind, data in supervisors if kind == "call_stats"][-1]["answered"] == 1


def test_events_out_of_order_and_repeated_are_taken_once(routed: Services) -> None:
    jan = add_agent(routed, "jan", available=False)
    first = event(routed, "a1", "answer", call_id="x9", agent="jan")
    assert event(routed, "a1", "answer", call_id="x9", agent="jan") == first
    event(routed, "n1", "newCall", call_id="x9", **{"from": "0471 12 34 56", "to": OUR_NUMBER})
    later(routed, 30)
    event(routed, "h1", "hangup", call_id="x9", cause="normalClearing")
    call = routed.call_lifecycle.record("x9")
    assert (call["from"], call["to"], call["agent_id"]) == (CITIZEN, OUR_NUMBER, jan)
    assert call["outcome"] == "answered"
    assert count(routed, "cti_requests", "kind = 'event'") == 3


def test_a_declined_leg_frees_the_agent_and_the_call_goes_on(routed: Services) -> None:
    marie, jan = add_agent(routed, "marie"), add_agent(routed, "jan")
    route(routed)
    event(routed, "d1", "hangup", agent="marie", cause="declined")
    assert routed.presence.get(marie).status == "available" and routed.presence.get(jan).status == "ringing"
    legs = {leg["agent_id"]: leg["outcome"] for leg in routed.call_lifecycle.record("c1")["legs"]}
    assert legs == {marie: "declined", jan: "rang"}


def test_a_caller_hanging_up_while_waiting_is_abandoned(routed: Services) -> None:
    assert route(routed)["action"] == "wait"
    event(routed, "h1", "hangup", cause="cancel")
    assert routed.call_lifecycle.record("c1")["outcome"] == "abandoned"
    assert routed.call_lifecycle.waiting() == []
    assert routed.call_stats.today()["abandoned"] == 1


def test_a_caller_hanging_up_while_the_agents_are_being_rung_leaves_no_leg_ringing(routed: Services) -> None:
    marie = add_agent(routed, "marie", "fr")
    lifecycle = routed.call_lifecycle
    pop = lifecycle._pop

    def hang_up_meanwhile(effects: Any) -> None:  # the agents are reserved, their legs not written yet
        pop(effects)
        lifecycle._pop = pop
        lifecycle.handle_event(CallEvent("h1", CallEventKind.HANGUP, "c1", cause="cancel"))

    lifecycle._pop = hang_up_meanwhile  # type: ignore[method-assign]
    decision = route(routed)
    assert [t["agent_id"] for t in decision["targets"]] == [marie]
    call = lifecycle.record("c1")
    assert call["outcome"] == "abandoned"
    assert [(leg["agent_id"], leg["outcome"]) for leg in call["legs"]] == [(marie, "no_answer")]
    assert all(leg["ended_at"] is not None for leg in call["legs"])


def test_outside_opening_hours_the_caller_hears_closed_and_the_call_is_logged(routed: Services) -> None:
    routed.clock.set(routed.clock.now().replace(hour=19))  # 20:00 in Brussels
    decision = route(routed)
    assert (decision["action"], decision["announcement"]) == ("announce", "closed")
    assert decision["language"] == "fr"
    assert decision["next_open"] == "2026-11-27T08:30:00+01:00" and "vendredi 27/11/2026" in decision["text"]
    call = routed.call_lifecycle.record("c1")
    assert (call["out_of_hours"], call["outcome"], call["announced"]) == (True, "out_of_hours", "closed")


def test_after_the_maximum_wait_a_known_caller_gets_a_callback_question(routed: Services) -> None:
    contact = routed.contacts.create(ContactIn("Anne Peeters", (CITIZEN,), "anne@example.org", "nl"))
    assert route(routed)["action"] == "wait"
    later(routed, 120)
    busy = route(routed, request_id="late")
    assert (busy["announcement"], busy["language"]) == ("busy", "nl") and busy["callback"]
    question = routed.questions.get(busy["callback"])
    assert (question.contact_id, question.channel, question.track) == (contact.id, "phone", "standard")
    assert question.due_at > routed.clock.now()
    assert routed.call_lifecycle.record("c1")["question"] == busy["callback"]
    assert route(routed, request_id="again")["callback"] == busy["callback"]  # one callback per call


def test_a_missed_call_from_an_unknown_number_creates_its_contact(routed: Services) -> None:
    route(routed, caller="0487 65 43 21")
    later(routed, 130)
    busy = route(routed, caller="0487 65 43 21", request_id="late")
    question = routed.questions.get(busy["callback"])
    contact = routed.contacts.get(question.contact_id)
    assert contact.phones == ("+32487654321",) and contact.name == "Appelant 0487 65 43 21"
    assert route(routed, "c2", caller="anonymous")["action"] == "wait"
    later(routed, 130)
    assert route(routed, "c2", caller="anonymous", request_id="late2")["callback"] is None


def test_the_call_record_is_read_through_the_rest_api(routed: Services) -> None:
    add_agent(routed, "marie")
    route(routed)
    _, token = routed.identity.create_token("crm", ["calls:read"])
    response = client(routed).get("/api/v1/calls/c1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert (response.get_json()["from_number"], response.get_json()["to_number"]) == (CITIZEN, OUR_NUMBER)


def test_a_call_that_is_over_is_not_routed_again(routed: Services) -> None:
    event(routed, "h1", "hangup", cause="normalClearing")
    response = signed_post(client(routed), routed, "/cti/v1/route", {"call_id": "c1", "request_id": "r9",
                                                                      "from": CITIZEN, "to": OUR_NUMBER,
                                                                      "round": 1})
    assert response.status_code == 409 and response.get_json()["error"] == "call-over"
    assert count(routed, "cti_requests", "kind = 'route'") == 0  # a refused request may be sent again


def test_a_wrap_up_ends_by_itself_and_a_job_records_it(routed: Services) -> None:
    from rq.registry import ScheduledJobRegistry

    from callcenter.jobs import presence_tasks, runtime

    jan = add_agent(routed, "jan")
    route(routed)
    event(routed, "a", "answer", agent="jan")
    event(routed, "h", "hangup", cause="normalClearing")
    until = routed.clock.now() + timedelta(seconds=30)
    job_id = f"wrap-up-{jan}-{until.strftime('%Y%m%dT%H%M%S%f')}"
    assert job_id in ScheduledJobRegistry("default", connection=routed.redis).get_job_ids()
    later(routed, 30)
    assert routed.presence.get(jan).status == "available"  # routing does not wait for the job
    runtime.set_services(routed)
    try:
        assert presence_tasks.finish_wrap_up(jan) == "available"
    finally:
        runtime.set_services(None)
    week = routed.presence.time_in_states(jan, until - timedelta(minutes=5), until + timedelta(minutes=5))
    assert (week["wrap_up"], week["available"]) == (30.0, 300.0)
