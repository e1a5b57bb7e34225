"""Deliver webhook events: one signed POST per job, retried with backoff, dead after max_attempts.

A job claims its delivery for one attempt (the claim is the lock: a duplicate job, or the sweep, finds
it taken and does nothing), makes the HTTP request outside any transaction, then records the outcome.
A worker that dies mid-attempt leaves the delivery claimed until its lease ends; the sweep then
enqueues it again. Delivery is at-least-once: receivers deduplicate on the event id.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from callcenter.domain.webhooks import (
    DEAD,
    DELIVERED,
    DELIVERY_HEADER,
    EVENT_HEADER,
    EVENT_ID_HEADER,
    FAILED,
    Attempt,
    Delivery,
    Subscription,
    WebhookEvent,
    WebhookFailure,
    envelope,
    failed_attempt,
)
from callcenter.services.ports import Clock
from callcenter.services.webhook_emitter import DeliveryJobs, delivery_job_id
from callcenter.services.webhook_ports import (
    OutgoingRequest,
    SecretBox,
    SecretUnreadable,
    WebhookSender,
    WebhookUowFactory,
)

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # far above one attempt (the sender's timeout is seconds)
SWEEP_GRACE = timedelta(minutes=1)  # a delivery due longer than this has lost its job
SWEEP_BATCH = 500


@dataclass(frozen=True)
class _Claimed:
    delivery: Delivery
    event: WebhookEvent
    subscription: Subscription


class WebhookDelivery:
    def __init__(self, uow: WebhookUowFactory, clock: Clock, sender: WebhookSender, box: SecretBox,
                 jobs: DeliveryJobs, *, max_attempts: int, lease: timedelta = LEASE) -> None:
        self._uow = uow
        self._clock = clock
        self._sender = sender
        self._box = box
        self._jobs = jobs
        self._max_attempts = max_attempts
        self._lease = lease

    def deliver(self, delivery_id: int) -> Delivery | None:
        """Make one attempt of a due delivery; return it as now recorded, or None if it was not due."""
        claimed = self._claim(delivery_id)
        if claimed is None:
            return None
        attempt = self._attempt(claimed)
        with self._uow() as uow:
            recorded = uow.webhooks.record_attempt(claimed.delivery, attempt)
            fresh = uow.webhooks.delivery(delivery_id)
            uow.commit()
        if recorded and attempt.status == FAILED:
            job_id = delivery_job_id(delivery_id, claimed.delivery.attempts)
            self._jobs.enqueue(delivery_id, job_id, at=attempt.next_attempt_at)
        if recorded and attempt.status == DEAD:
            log.error("webhook delivery %s is dead after %s attempt(s): %s", delivery_id,
                      claimed.delivery.attempts, attempt.error)
        return fresh

    def sweep(self) -> int:
        """Enqueue again the deliveries whose job was lost (or deliver them here without a queue)."""
        now = self._clock.now()
        with self._uow() as uow:
            overdue = uow.webhooks.overdue(now - SWEEP_GRACE, SWEEP_BATCH)
        for delivery in overdue:
            if self._jobs.available:
                # The slot in the id lets a later sweep try again if this job is lost as well.
                job_id = f"{delivery_job_id(delivery.id, delivery.attempts)}-sweep-{now:%Y%m%dT%H%M}"
                self._jobs.enqueue(delivery.id, job_id)
            else:
                self.deliver(delivery.id)
        return len(overdue)

    def _claim(self, delivery_id: int) -> _Claimed | None:
        now = self._clock.now()
        with self._uow() as uow:
            delivery = uow.webhooks.claim(delivery_id, now, now + self._lease)
            if delivery is None:
                return None
            event = uow.webhooks.event(delivery.event_id)
            subscription = uow.webhooks.subscription(delivery.subscription_id)
            uow.commit()
        assert event is not None and subscription is not None  # foreign keys keep both
        return _Claimed(delivery, event, subscription)

    def _attempt(self, claimed: _Claimed) -> Attempt:
        now = self._clock.now()
        if claimed.subscription.removed_at is not None:
            return Attempt(DEAD, now, None, "The subscription was removed.", None)
        try:
            secret = self._box.open(claimed.subscription.sealed_secret)
        except SecretUnreadable:
            return Attempt(DEAD, now, None, "The subscription's secret cannot be decrypted: secret_key has "
                           "changed since it was added. Remove the subscription and add it again.", None)
        try:
            sent = self._sender.send(_request(claimed, secret, now))
        except WebhookFailure as failure:
            return failed_attempt(claimed.delivery.attempts, self._max_attempts, self._clock.now(), failure)
        except Exception as exc:  # a broken sender must not leave the delivery claimed for nothing
            log.exception("unexpected error delivering webhook %s", claimed.delivery.id)
            broken = WebhookFailure(f"{type(exc).__name__}: {exc}")
            return failed_attempt(claimed.delivery.attempts, self._max_attempts, self._clock.now(), broken)
        done = self._clock.now()
        return Attempt(DELIVERED, done, sent.status_code, None, sent.response_ms, delivered_at=done)


def _request(claimed: _Claimed, secret: str, now: datetime) -> OutgoingRequest:
    event = claimed.event
    body = json.dumps(envelope(event), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {EVENT_HEADER: event.type, EVENT_ID_HEADER: event.event_id,
               DELIVERY_HEADER: str(claimed.delivery.id)}
    return OutgoingRequest(claimed.subscription.url, body, headers, secret, int(now.timestamp()))
