"""Webhook deliveries to a real HTTP receiver on loopback, on SQLite and PostgreSQL: retried with backoff
while it fails or hangs, delivered once it recovers, dead after the last attempt, redelivered on demand;
signed so that the receiver can check them; the RQ worker makes them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from rq import Queue

from callcenter.bootstrap import Services, build_services
from callcenter.domain.questions import SYSTEM
from callcenter.domain.webhooks import DEAD, DELIVERED, FAILED, PENDING
from callcenter.jobs.queue import WEBHOOK_QUEUE
from callcenter.jobs.worker import WorkerProcess
from callcenter.services.clock import FixedClock
from callcenter.services.contacts import ContactIn
from callcenter.services.question_desk import NewQuestion
from callcenter.services.questions import RegisterQuestion
from callcenter.services.webhook_emitter import DeliveryJobs
from callcenter.services.webhook_subscriptions import NewSubscription
from tests.integration.api_support import RecordingJobQueue
from tests.integration.crm_support import T0
from tests.integration.webhook_support import Receiver, check_event, receiver_fixture  # noqa: F401
from webhooks.signatures import verify

QUESTIONS = ("question.created", "question.updated", "question.closed")
TIMEOUT_S = 0.5


@pytest.fixture
def hooked(make_settings: Any, database_url: str) -> Iterator[tuple[Services, RecordingJobQueue]]:
    """Services without Redis at T0, recording the delivery jobs, with a short receiver timeout."""
    jobs = RecordingJobQueue()
    settings = make_settings(database_url=database_url, webhook_timeout_s=TIMEOUT_S, webhook_max_attempts=3)
    built = build_services(settings, no_redis=True, clock=FixedClock(T0), webhook_jobs=DeliveryJobs(jobs),
                           health=object())
    yield built, jobs
    built.close()


def register_question(services: Services) -> str:
    contact = services.contacts.create(ContactIn("Anne Peeters", ("0471123456",), "anne@example.org", "fr"))
    new = NewQuestion(RegisterQuestion(contact.id, "phone", subject="RIS"))
    question = services.question_desk.register(new, SYSTEM)
    return str(question.registration_number)


def later(services: Services, seconds: float) -> None:
    services.clock.set(services.clock.now() + timedelta(seconds=seconds))


def test_a_delivery_is_retried_while_the_receiver_fails_or_hangs_and_made_once_it_recovers(
        hooked: tuple[Services, RecordingJobQueue], receiver: Receiver) -> None:
    services, jobs = hooked
    sub, secret = services.webhook_subscriptions.add(NewSubscription(receiver.url, QUESTIONS))
    number = register_question(services)
    assert [job_id for _, _, job_id in jobs.jobs] == ["webhook-1-0"]  # enqueued once the question committed

    receiver.mode = "fail"
    failed = services.webhook_delivery.deliver(1)
    assert (failed.status, failed.attempts, failed.last_status_code) == (FAILED, 1, 500)
    assert failed.next_attempt_at == T0 + timedelta(seconds=30) and "maintenance" in failed.last_error
    receiver.mode = "hang"
    later(services, 30)
    started = time.monotonic()
    hung = services.webhook_delivery.deliver(1)
    assert time.monotonic() - started < TIMEOUT_S + 5  # gave up after the timeout, did not wait for the hang
    assert (hung.status, hung.last_status_code, hung.last_error) == (FAILED, None, "No answer within 0.5 s.")
    assert hung.next_attempt_at == T0 + timedelta(seconds=30 + 60)
    receiver.mode = "ok"
    later(services, 60)
    done = services.webhook_delivery.deliver(1)
    assert (done.status, done.attempts, done.last_status_code, done.last_error) == (DELIVERED, 3, 200, None)
    assert [job_id for _, _, job_id in jobs.jobs] == ["webhook-1-0", "webhook-1-1", "webhook-1-2"]

    assert len(receiver.received) == 3
    assert len({r.headers["X-Callcenter-Event-Id"] for r in receiver.received}) == 1
    last = receiver.received[-1]
    signed_at = (T0 + timedelta(seconds=90)).timestamp()
    verify(secret, last.headers["X-Callcenter-Signature"], last.body, signed_at)
    body = check_event(last.json)
    assert body["type"] == "question.created" and body["id"] == last.headers["X-Callcenter-Event-Id"]
    assert body["data"]["question"]["registration_number"] == number
    assert [d.status for d in services.webhook_subscriptions.deliveries(sub.id)] == [DELIVERED]


def test_a_delivery_is_dead_after_the_last_attempt_and_an_operator_redelivers_it(
        hooked: tuple[Services, RecordingJobQueue], receiver: Receiver) -> None:
    services, _ = hooked
    sub, _ = services.webhook_subscriptions.add(NewSubscription(receiver.url, ("question.created",)))
    register_question(services)
    receiver.mode = "fail"
    for _ in range(3):
        services.webhook_delivery.deliver(1)
        later(services, 3600)
    dead = services.webhook_subscriptions.deliveries(sub.id, DEAD)
    assert [(d.id, d.attempts) for d in dead] == [(1, 3)]
    assert services.webhook_delivery.deliver(1) is None  # dead: no more automatic attempts
    receiver.mode = "ok"
    fresh = services.webhook_subscriptions.redeliver(dead[0].event_id)
    assert [(d.status, d.event_id) for d in fresh] == [(PENDING, dead[0].event_id)]
    assert services.webhook_delivery.deliver(fresh[0].id).status == DELIVERED
    assert [r.headers["X-Callcenter-Event-Id"] for r in receiver.received] == [dead[0].event_id] * 4
    assert [d.status for d in services.webhook_subscriptions.deliveries(sub.id)] == [DELIVERED, DEAD]


def test_questions_tell_their_changes_and_closing(hooked: tuple[Services, RecordingJobQueue],
                                                  receiver: Receiver) -> None:
    services, _ = hooked
    services.webhook_subscriptions.add(NewSubscription(receiver.url, QUESTIONS))
    number = register_question(services)
    services.questions.add_note(number, "Called back, answer by mail.", 4)
    services.questions.mark_answered(number, "front", SYSTEM)
    services.questions.close(number, SYSTEM)
    for delivery_id in range(1, 5):
        assert services.webhook_delivery.deliver(delivery_id).status == DELIVERED
    bodies = [check_event(r.json) for r in receiver.received]
    assert [b["type"] for b in bodies] == ["question.created", "question.updated", "question.updated",
                                           "question.closed"]
    assert [b["data"]["changes"][0]["kind"] for b in bodies] == ["registered", "note", "status_changed",
                                                                 "status_changed"]
    assert bodies[-1]["data"]["question"]["status"] == "closed"


@pytest.mark.redis
def test_the_worker_makes_the_delivery_enqueued_after_the_commit(make_settings: Any, database_url: str,
                                                                  redis_url: str, receiver: Receiver) -> None:
    settings = make_settings(database_url=database_url, redis_url=redis_url)
    services = build_services(settings)
    try:
        services.webhook_subscriptions.add(NewSubscription(receiver.url, ("question.created",)))
        register_question(services)
        assert Queue(WEBHOOK_QUEUE, connection=services.redis).job_ids == ["webhook-1-0"]
        WorkerProcess(lambda: build_services(settings), burst=True).run()
        assert [r.json["type"] for r in receiver.received] == ["question.created"]
        assert services.webhook_subscriptions.deliveries(1)[0].status == DELIVERED
    finally:
        services.close()
