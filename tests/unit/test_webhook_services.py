"""The webhook use cases with hand-written fakes: emit after commit, attempts with backoff, dead letters,
redelivery, the sweep, and which events calls and questions give."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from callcenter.domain.call_records import CallRecord
from callcenter.domain.calls import Direction
from callcenter.domain.errors import InvalidInput, RuleViolation
from callcenter.domain.questions import (
    Channel,
    EventKind,
    Question,
    QuestionEvent,
    QuestionType,
    Status,
    Track,
)
from callcenter.domain.webhooks import (
    DEAD,
    DELIVERED,
    FAILED,
    PENDING,
    NoSuchSubscription,
    NoSuchWebhookEvent,
    OutboundEvent,
)
from callcenter.services.call_effects import Effects, Pop
from callcenter.services.call_webhooks import call_webhook_events
from callcenter.services.clock import FixedClock
from callcenter.services.question_webhooks import question_changed, question_created
from callcenter.services.webhook_delivery import SWEEP_GRACE, WebhookDelivery
from callcenter.services.webhook_emitter import DELIVER_TASK, DeliveryJobs, WebhookEmitter
from callcenter.services.webhook_subscriptions import NewSubscription, SubscriptionEdit, WebhookSubscriptions
from tests.unit.webhook_fakes import FakeUow, FakeWebhooks, RecordingJobs, ReversibleBox, ScriptedSender

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SECRET = "a-shared-secret-of-32-characters"
ALL = ("call.ringing", "call.answered", "call.ended", "question.created", "question.updated",
       "question.closed")


class Desk:
    """The three webhook use cases on one in-memory store."""

    def __init__(self, *outcomes: int | str, max_attempts: int = 3, queue: bool = True) -> None:
        self.store, self.clock, self.jobs = FakeWebhooks(), FixedClock(NOW), RecordingJobs()
        self.uow = FakeUow(self.store)
        jobs = DeliveryJobs(self.jobs if queue else None)
        ids = count(1)
        self.emitter = WebhookEmitter(self.clock, jobs, new_id=lambda: f"evt_{next(ids):032x}")
        self.subs = WebhookSubscriptions(lambda: self.uow, self.clock, ReversibleBox(), jobs)
        self.sender = ScriptedSender(*outcomes)
        self.delivery = WebhookDelivery(lambda: self.uow, self.clock, self.sender, ReversibleBox(), jobs,
                                        max_attempts=max_attempts)

    def subscribe(self, *events: str) -> int:
        return self.subs.add(NewSubscription("https://crm.example.org/h", events, SECRET))[0].id

    def emit(self, *types: str) -> None:
        with self.uow as uow:
            self.emitter.emit(uow, [OutboundEvent(t, {"n": i}) for i, t in enumerate(types)])
            uow.commit()

    def later(self, seconds: float) -> None:
        self.clock.set(self.clock.now() + timedelta(seconds=seconds))


def test_events_are_stored_for_their_subscribers_and_enqueued_only_after_commit() -> None:
    desk = Desk()
    calls, questions = desk.subscribe("call.ringing", "call.ended"), desk.subscribe("question.closed")
    with desk.uow as uow:
        desk.emitter.emit(uow, [OutboundEvent("call.ringing", {}), OutboundEvent("question.updated", {})])
        assert desk.jobs.jobs == []  # nothing may run before the rows are committed
        uow.commit()
    assert [(d.subscription_id, d.event_type, d.status) for d in desk.store.deliveries.values()] == [
        (calls, "call.ringing", PENDING)]
    assert list(desk.store.events) == ["evt_" + "1".zfill(32)]  # nobody wanted question.updated: not stored
    assert desk.jobs.jobs == [(DELIVER_TASK, (1,), "webhook-1-0", None)]
    assert questions not in {d.subscription_id for d in desk.store.deliveries.values()}


def test_a_rolled_back_change_enqueues_nothing() -> None:
    desk = Desk()
    desk.subscribe("call.ended")
    with desk.uow as uow:
        desk.emitter.emit(uow, [OutboundEvent("call.ended", {})])
    assert desk.jobs.jobs == []


def test_an_event_nobody_subscribed_to_is_not_stored() -> None:
    desk = Desk()
    desk.subscribe("call.ended")
    desk.emit("question.created", "call.ringing")
    assert desk.store.events == {} and desk.store.deliveries == {} and desk.jobs.jobs == []


def test_a_delivery_is_retried_with_backoff_then_delivered_once_the_receiver_recovers() -> None:
    desk = Desk(500, "No answer within 5 s.", 204)
    desk.subscribe(*ALL)
    desk.emit("call.ended")
    failed = desk.delivery.deliver(1)
    assert failed is not None
    assert (failed.status, failed.attempts, failed.last_status_code) == (FAILED, 1, 500)
    assert failed.next_attempt_at == NOW + timedelta(seconds=30)
    assert desk.jobs.jobs[-1] == (DELIVER_TASK, (1,), "webhook-1-1", NOW + timedelta(seconds=30))
    assert desk.delivery.deliver(1) is None  # not due yet: a duplicate job does nothing
    desk.later(30)
    timed_out = desk.delivery.deliver(1)
    assert timed_out is not None and timed_out.status == FAILED
    assert timed_out.last_error == "No answer within 5 s."
    assert timed_out.next_attempt_at == desk.clock.now() + timedelta(seconds=60)
    desk.later(60)
    done = desk.delivery.deliver(1)
    assert done is not None and (done.status, done.attempts, done.last_status_code) == (DELIVERED, 3, 204)
    assert done.delivered_at == desk.clock.now() and done.last_error is None
    assert desk.delivery.deliver(1) is None


def test_each_attempt_is_signed_now_with_the_same_event_id_and_body() -> None:
    desk = Desk(500, 200)
    desk.subscribe("call.ended")
    desk.emit("call.ended")
    desk.delivery.deliver(1)
    desk.later(30)
    desk.delivery.deliver(1)
    first, second = desk.sender.requests
    assert first.body == second.body and first.secret == SECRET
    assert (first.timestamp, second.timestamp) == (int(NOW.timestamp()), int(NOW.timestamp()) + 30)
    assert first.headers == {"X-Callcenter-Event": "call.ended",
                             "X-Callcenter-Event-Id": "evt_" + "1".zfill(32), "X-Callcenter-Delivery": "1"}
    assert json.loads(first.body) == {"id": "evt_" + "1".zfill(32), "type": "call.ended",
                                      "created_at": NOW.isoformat(), "data": {"n": 0}}


def test_a_delivery_is_dead_after_max_attempts_and_redelivery_sends_the_same_event_again() -> None:
    desk = Desk(500, 500, 500, 200, max_attempts=3)
    sub = desk.subscribe("question.created")
    desk.emit("question.created")
    for _ in range(3):
        desk.delivery.deliver(1)
        desk.later(3600)
    dead = desk.store.deliveries[1]
    assert (dead.status, dead.attempts) == (DEAD, 3)
    assert [job for job in desk.jobs.ids if job.startswith("webhook-1-")] == ["webhook-1-0", "webhook-1-1",
                                                                               "webhook-1-2"]
    fresh = desk.subs.redeliver(dead.event_id)
    assert [(d.id, d.subscription_id, d.status, d.event_id) for d in fresh] == [
        (2, sub, PENDING, dead.event_id)]
    assert desk.jobs.ids[-1] == "webhook-2-0"
    delivered = desk.delivery.deliver(2)
    assert delivered is not None and delivered.status == DELIVERED
    assert desk.store.deliveries[1].status == DEAD  # the log keeps the dead one


def test_redelivery_goes_only_to_subscriptions_in_force() -> None:
    desk = Desk()
    first, second = desk.subscribe("call.ended"), desk.subscribe("call.ended")
    desk.emit("call.ended")
    event_id = desk.store.deliveries[1].event_id
    desk.subs.remove(first)
    assert [d.subscription_id for d in desk.subs.redeliver(event_id)] == [second]
    third = desk.subscribe("call.ended")
    assert [d.subscription_id for d in desk.subs.redeliver(event_id, third)] == [third]  # a late subscriber
    other = desk.subscribe("question.created")
    with pytest.raises(RuleViolation):
        desk.subs.redeliver(event_id, other)
    with pytest.raises(NoSuchSubscription):
        desk.subs.redeliver(event_id, first)
    desk.subs.remove(second)
    desk.subs.remove(third)
    with pytest.raises(RuleViolation):
        desk.subs.redeliver(event_id)
    with pytest.raises(NoSuchWebhookEvent):
        desk.subs.redeliver("evt_" + "f" * 32)


def test_a_removed_subscription_or_an_unreadable_secret_makes_the_delivery_dead_without_sending() -> None:
    desk = Desk()
    sub = desk.subscribe("call.ended")
    desk.emit("call.ended", "call.ended")
    desk.subs.remove(sub)
    removed = desk.delivery.deliver(1)
    assert removed is not None and removed.status == DEAD and "removed" in (removed.last_error or "")
    desk.store.subscriptions[sub] = replace(desk.store.subscriptions[sub], removed_at=None,
                                            sealed_secret="sealed with another key")
    unreadable = desk.delivery.deliver(2)
    assert unreadable is not None and unreadable.status == DEAD
    assert "secret_key" in (unreadable.last_error or "")
    assert desk.sender.requests == []


def test_an_unexpected_sender_error_counts_as_a_failed_attempt() -> None:
    class Broken:
        def send(self, request: object) -> None:
            raise RuntimeError("boom")

    desk = Desk()
    desk.subscribe("call.ended")
    desk.emit("call.ended")
    desk.delivery._sender = Broken()  # type: ignore[assignment]
    failed = desk.delivery.deliver(1)
    assert failed is not None and failed.status == FAILED and failed.last_error == "RuntimeError: boom"


def test_the_sweep_enqueues_what_is_overdue_and_delivers_itself_without_a_queue() -> None:
    desk = Desk(200)
    desk.subscribe("call.ended")
    desk.emit("call.ended")
    assert desk.delivery.sweep() == 0  # its own job is on its way
    desk.later(SWEEP_GRACE.total_seconds() + 1)
    assert desk.delivery.sweep() == 1
    assert desk.jobs.ids[-1] == "webhook-1-0-sweep-20261201T0901"
    inline = Desk(200, queue=False)
    inline.subscribe("call.ended")
    inline.emit("call.ended")
    inline.later(120)
    assert inline.delivery.sweep() == 1 and inline.store.deliveries[1].status == DELIVERED


def test_subscriptions_are_added_with_a_generated_secret_changed_and_listed_without_it() -> None:
    desk = Desk()
    sub, secret = desk.subs.add(NewSubscription("https://a.example/h", ("call.ended",)))
    assert secret.startswith("whsec_") and len(secret) > 32 and secret not in repr(sub)
    changed = desk.subs.update(sub.id, SubscriptionEdit(events=("call.ringing", "call.ended")))
    assert changed.events == ("call.ringing", "call.ended") and changed.sealed_secret == sub.sealed_secret
    rotated = desk.subs.update(sub.id, SubscriptionEdit(secret="another-secret-of-enough-length"))
    assert ReversibleBox().open(rotated.sealed_secret) == "another-secret-of-enough-length"
    with pytest.raises(InvalidInput):
        desk.subs.update(sub.id, SubscriptionEdit())
    with pytest.raises(InvalidInput):
        desk.subs.update(sub.id, SubscriptionEdit(url="mailto:x@example.org"))
    assert [s.id for s in desk.subs.subscriptions()] == [sub.id]
    desk.subs.remove(sub.id)
    assert desk.subs.subscriptions() == []
    assert desk.subs.deliveries(sub.id) == []  # the log of a removed subscription stays readable
    with pytest.raises(InvalidInput):
        desk.subs.deliveries(sub.id, "lost")


def _question(status: Status) -> Question:
    return Question(7, "2026-0001-0002-03", 3, QuestionType.QUESTION, Channel.PHONE, Channel.PHONE, None,
                    None, "RIS", NOW, status, None, Track.STANDARD, NOW + timedelta(days=2))


def test_a_question_change_is_closed_or_updated_and_carries_its_history_lines() -> None:
    line = QuestionEvent(EventKind.STATUS_CHANGED, NOW, None, {"from": "answered", "to": "closed"}, id=9)
    closed = question_changed(_question(Status.ANSWERED), _question(Status.CLOSED), [line])
    assert [e.type for e in closed] == ["question.closed"]
    assert closed[0].data["question"]["status"] == "closed"
    assert closed[0].data["changes"] == [{"kind": "status_changed", "at": NOW.isoformat(), "by": "system",
                                          "data": {"from": "answered", "to": "closed"}}]
    note = QuestionEvent(EventKind.NOTE, NOW, 4, {"text": "called back"})
    assert [e.type for e in question_changed(_question(Status.CLOSED), _question(Status.CLOSED), [note])] == [
        "question.updated"]
    assert question_changed(_question(Status.REGISTERED), _question(Status.REGISTERED), []) == []
    registered = QuestionEvent(EventKind.REGISTERED, NOW, 4, {})
    created = question_created(_question(Status.REGISTERED), registered)
    assert [e.type for e in created] == ["question.created"]


class _Records:
    def __init__(self, record: CallRecord | None) -> None:
        self.record = record

    def get(self, call_id: str, *, for_update: bool = False) -> CallRecord | None:
        return self.record


class _CallUow:
    def __init__(self, record: CallRecord | None) -> None:
        self.call_records = _Records(record)


def test_a_call_step_gives_ringing_answered_and_ended_events_from_its_record() -> None:
    record = CallRecord("c1", "+32471123456", "+3225088586", Direction.INBOUND, NOW, answered_at=NOW,
                        ended_at=NOW + timedelta(minutes=3), agent_user_id=5, outcome="answered",
                        language="fr", hangup_cause="normalClearing")
    effects = Effects(pops=[Pop((6, 5), 2, lambda: {"round": 2})], answered=((5, 6), 5),
                      ended=((5, 6), "normalClearing", "answered"))
    events = call_webhook_events(_CallUow(record), "c1", effects)  # type: ignore[arg-type]
    assert [e.type for e in events] == ["call.ringing", "call.answered", "call.ended"]
    ringing, answered, ended = (e.data for e in events)
    assert (ringing["round"], ringing["agent_ids"], ringing["from"]) == (2, [5, 6], "+32471123456")
    assert (answered["agent_id"], answered["offered_agent_ids"]) == (5, [5, 6])
    assert (ended["cause"], ended["outcome"], ended["agent_ids"], ended["test"]) == (
        "normalClearing", "answered", [5, 6], False)
    assert call_webhook_events(_CallUow(record), "c1", Effects()) == []  # nothing to tell: no read either
    assert call_webhook_events(_CallUow(None), "c1", effects) == []  # type: ignore[arg-type]


def test_a_queue_that_fails_is_asked_once_per_commit_and_the_sweep_sends_later() -> None:
    class DownQueue:
        def __init__(self) -> None:
            self.asked = 0

        def enqueue(self, func_path: str, *args: object, job_id: str, at: datetime | None = None,
                    retries: int = 3) -> None:
            self.asked += 1
            raise ConnectionError("Redis is down")

    desk, down = Desk(200, 200), DownQueue()
    desk.emitter = WebhookEmitter(desk.clock, DeliveryJobs(down))
    desk.subscribe("call.ended")
    desk.subscribe("call.ended")
    desk.emit("call.ended")  # committed all the same
    assert down.asked == 1 and len(desk.store.deliveries) == 2
    desk.later(120)
    assert desk.delivery.sweep() == 2 and desk.jobs.ids[-2:] == ["webhook-1-0-sweep-20261201T0902",
                                                                 "webhook-2-0-sweep-20261201T0902"]
