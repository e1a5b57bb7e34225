"""Hand-written fakes of the webhook ports: an in-memory repository and unit of work, a scripted sender."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from callcenter.domain.webhooks import (
    DUE_STATUSES,
    PENDING,
    Attempt,
    Delivery,
    Subscription,
    SubscriptionIn,
    WebhookEvent,
    WebhookFailure,
)
from callcenter.services.webhook_ports import OutgoingRequest, SecretUnreadable, Sent


class FakeWebhooks:
    def __init__(self) -> None:
        self.subscriptions: dict[int, Subscription] = {}
        self.events: dict[str, WebhookEvent] = {}
        self.deliveries: dict[int, Delivery] = {}
        self.pending_callbacks: list[Callable[[], None]] = []

    def add_subscription(self, sub: SubscriptionIn, sealed_secret: str, now: datetime) -> Subscription:
        added = Subscription(len(self.subscriptions) + 1, sub.url, sub.events, sub.description, now,
                             sealed_secret)
        self.subscriptions[added.id] = added
        return added

    def subscription(self, id: int) -> Subscription | None:
        return self.subscriptions.get(id)

    def active_subscriptions(self) -> list[Subscription]:
        return [s for s in self.subscriptions.values() if s.removed_at is None]

    def save_subscription(self, sub: Subscription) -> None:
        self.subscriptions[sub.id] = sub

    def add_event(self, event: WebhookEvent) -> None:
        self.events[event.event_id] = event

    def event(self, event_id: str) -> WebhookEvent | None:
        return self.events.get(event_id)

    def add_deliveries(self, event: WebhookEvent, subscription_ids: Sequence[int],
                       now: datetime) -> list[int]:
        ids = []
        for sub_id in subscription_ids:
            delivery = Delivery(len(self.deliveries) + 1, sub_id, event.event_id, event.type, PENDING, 0, now,
                                now)
            self.deliveries[delivery.id] = delivery
            ids.append(delivery.id)
        return ids

    def subscriptions_of_event(self, event: WebhookEvent) -> list[int]:
        return sorted({d.subscription_id for d in self.deliveries.values() if d.event_id == event.event_id})

    def delivery(self, id: int) -> Delivery | None:
        return self.deliveries.get(id)

    def claim(self, id: int, now: datetime, lease_until: datetime) -> Delivery | None:
        found = self.deliveries.get(id)
        if found is None or found.status not in DUE_STATUSES or found.next_attempt_at > now:
            return None
        return self._set(id, attempts=found.attempts + 1, next_attempt_at=lease_until)

    def overdue(self, before: datetime, limit: int) -> list[Delivery]:
        due = [d for d in self.deliveries.values()
               if d.status in DUE_STATUSES and d.next_attempt_at <= before]
        return sorted(due, key=lambda d: (d.next_attempt_at, d.id))[:limit]

    def record_attempt(self, claimed: Delivery, attempt: Attempt) -> bool:
        if self.deliveries[claimed.id].attempts != claimed.attempts:
            return False
        self._set(claimed.id, status=attempt.status, next_attempt_at=attempt.next_attempt_at,
                  last_status_code=attempt.status_code, last_error=attempt.error,
                  response_ms=attempt.response_ms, delivered_at=attempt.delivered_at)
        return True

    def deliveries_of(self, subscription_id: int, status: str | None, limit: int) -> list[Delivery]:
        found = [d for d in self.deliveries.values()
                 if d.subscription_id == subscription_id and status in (None, d.status)]
        return sorted(found, key=lambda d: -d.id)[:limit]

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.pending_callbacks.append(callback)

    def _set(self, id: int, **changes: Any) -> Delivery:
        self.deliveries[id] = dataclasses.replace(self.deliveries[id], **changes)
        return self.deliveries[id]


class FakeUow:
    """One in-memory store; commit runs the after-commit callbacks, leaving without commit drops them."""

    def __init__(self, webhooks: FakeWebhooks) -> None:
        self.webhooks = webhooks
        self.commits = 0

    def __enter__(self) -> FakeUow:
        return self

    def __exit__(self, *exc: object) -> None:
        self.webhooks.pending_callbacks.clear()

    def commit(self) -> None:
        self.commits += 1
        callbacks, self.webhooks.pending_callbacks = self.webhooks.pending_callbacks, []
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        self.webhooks.pending_callbacks.clear()


class RecordingJobs:
    """Stands in for RQ: records (task, args, job id, at)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[Any, ...], str, datetime | None]] = []

    def enqueue(self, func_path: str, *args: Any, job_id: str, at: datetime | None = None,
                retries: int = 3) -> None:
        self.jobs.append((func_path, args, job_id, at))

    @property
    def ids(self) -> list[str]:
        return [job_id for _, _, job_id, _ in self.jobs]


class ScriptedSender:
    """Answers each request with the next outcome: a status code (2xx: sent) or a failure message."""

    def __init__(self, *outcomes: int | str) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[OutgoingRequest] = []

    def send(self, request: OutgoingRequest) -> Sent:
        self.requests.append(request)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, str):
            raise WebhookFailure(outcome, response_ms=5000)
        if not 200 <= outcome < 300:
            raise WebhookFailure(f"HTTP {outcome}", status_code=outcome, response_ms=12)
        return Sent(outcome, 7)


class ReversibleBox:
    """Seals by reversing; refuses what it did not seal."""

    def seal(self, secret: str) -> str:
        return "sealed:" + secret[::-1]

    def open(self, sealed: str) -> str:
        if not sealed.startswith("sealed:"):
            raise SecretUnreadable("not ours")
        return sealed.removeprefix("sealed:")[::-1]
