"""Calls tell subscribed systems what happens (call.ringing, call.answered, call.ended) without waiting
for them: a hanging receiver does not slow the CTI API. SQLite and PostgreSQL, real Redis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from rq import Queue

from callcenter.bootstrap import Services
from callcenter.domain.webhooks import DELIVERED, FAILED, PENDING
from callcenter.jobs.queue import WEBHOOK_QUEUE
from callcenter.services.clock import FixedClock
from callcenter.services.webhook_subscriptions import NewSubscription
from tests.integration.routing_support import (
    CITIZEN,
    OUR_NUMBER,
    T0,
    add_agent,
    client,
    routing_services,
    signed_post,
)
from tests.integration.webhook_support import Receiver, check_event, receiver_fixture  # noqa: F401

pytestmark = pytest.mark.redis

CALL_EVENTS = ("call.ringing", "call.answered", "call.ended")
ROUTE_BOUND_S = 3.0  # generous: the receiver hangs for 30 s; the route must not wait for it at all


@pytest.fixture
def phoned(make_settings: Any, database_url: str, redis_url: str) -> Iterator[Services]:
    settings = make_settings(database_url=database_url, redis_url=redis_url, cti_secret="test-secret",
                             service_numbers=f"{OUR_NUMBER}=fr", ring_max_targets=1,
                             webhook_timeout_s=1.0)
    built = routing_services(settings, FixedClock(T0))
    yield built
    built.close()


def post(services: Services, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = signed_post(client(services), services, path, body)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def route(services: Services, call_id: str) -> dict[str, Any]:
    return post(services, "/cti/v1/route", {"call_id": call_id, "request_id": f"{call_id}-r1",
                                            "from": CITIZEN, "to": OUR_NUMBER, "round": 1})


def test_a_hanging_receiver_does_not_slow_the_route_request(phoned: Services, receiver: Receiver) -> None:
    receiver.mode = "hang"
    phoned.webhook_subscriptions.add(NewSubscription(receiver.url, CALL_EVENTS))
    for name in ("marie", "jan", "lea"):
        add_agent(phoned, name)
    for n in range(3):
        started = time.monotonic()
        decision = route(phoned, f"c{n}")
        elapsed = time.monotonic() - started
        assert decision["action"] == "ring" and elapsed < ROUTE_BOUND_S
    assert receiver.received == []  # nothing was sent while the requests ran: the worker sends
    assert [d.status for d in phoned.webhook_subscriptions.deliveries(1)] == [PENDING] * 3
    assert sorted(Queue(WEBHOOK_QUEUE, connection=phoned.redis).job_ids) == [
        "webhook-1-0", "webhook-2-0", "webhook-3-0"]
    started = time.monotonic()
    attempt = phoned.webhook_delivery.deliver(1)  # what the worker does: it waits for the receiver, up to 1 s
    assert time.monotonic() - started >= 1.0 and attempt.status == FAILED
    assert attempt.last_error == "No answer within 1 s." and len(receiver.received) == 1


def test_a_call_tells_ringing_answered_and_ended(phoned: Services, receiver: Receiver) -> None:
    phoned.webhook_subscriptions.add(NewSubscription(receiver.url, CALL_EVENTS))
    marie = add_agent(phoned, "marie")
    route(phoned, "c1")
    phoned.clock.set(T0 + timedelta(seconds=4))
    post(phoned, "/cti/v1/events", {"event_id": "e1", "event": "answer", "call_id": "c1", "agent": "marie"})
    phoned.clock.set(T0 + timedelta(seconds=64))
    post(phoned, "/cti/v1/events", {"event_id": "e2", "event": "hangup", "call_id": "c1",
                                    "cause": "normalClearing"})
    deliveries = sorted(phoned.webhook_subscriptions.deliveries(1), key=lambda d: d.id)
    assert [d.event_type for d in deliveries] == list(CALL_EVENTS)
    for delivery in deliveries:
        assert phoned.webhook_delivery.deliver(delivery.id).status == DELIVERED
    ringing, answered, ended = (check_event(r.json)["data"] for r in receiver.received)
    assert (ringing["call_id"], ringing["from"], ringing["round"], ringing["agent_ids"]) == (
        "c1", CITIZEN, 1, [marie])
    assert (answered["agent_id"], answered["answered_at"], answered["offered_agent_ids"]) == (
        marie, (T0 + timedelta(seconds=4)).isoformat(), [marie])
    assert (ended["outcome"], ended["cause"], ended["agent_ids"]) == ("answered", "normalClearing", [marie])
    assert ended["ended_at"] == (T0 + timedelta(seconds=64)).isoformat()
