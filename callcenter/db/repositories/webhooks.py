"""The webhook repository (``uow.webhooks``): rows in, domain values out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from callcenter.db.after_commit import after_commit
from callcenter.db.models.webhooks import WebhookDeliveryRow, WebhookEventRow, WebhookSubscriptionRow
from callcenter.db.queries import webhooks as q
from callcenter.domain.webhooks import PENDING, Attempt, Delivery, Subscription, SubscriptionIn, WebhookEvent


class WebhookRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_subscription(self, sub: SubscriptionIn, sealed_secret: str, now: datetime) -> Subscription:
        row = WebhookSubscriptionRow(url=sub.url, events=list(sub.events), description=sub.description,
                                     sealed_secret=sealed_secret, created_at=now)
        self._session.add(row)
        self._session.flush()
        return _subscription(row)

    def subscription(self, id: int) -> Subscription | None:
        row = q.webhook_subscription_by_id(self._session, id)
        return None if row is None else _subscription(row)

    def active_subscriptions(self) -> list[Subscription]:
        return [_subscription(row) for row in q.webhook_subscriptions_in_force(self._session)]

    def save_subscription(self, sub: Subscription) -> None:
        row = q.webhook_subscription_by_id(self._session, sub.id)
        assert row is not None
        row.url, row.events, row.description = sub.url, list(sub.events), sub.description
        row.sealed_secret, row.removed_at = sub.sealed_secret, sub.removed_at
        self._session.flush()

    def add_event(self, event: WebhookEvent) -> None:
        self._session.add(WebhookEventRow(id=event.event_id, type=event.type, payload=event.data,
                                          created_at=event.created_at))
        self._session.flush()  # before its deliveries: without a relationship() the flush does not order them

    def event(self, event_id: str) -> WebhookEvent | None:
        row = q.webhook_event_by_id(self._session, event_id)
        return None if row is None else WebhookEvent(row.id, row.type, row.created_at, dict(row.payload))

    def add_deliveries(self, event: WebhookEvent, subscription_ids: Sequence[int],
                       now: datetime) -> list[int]:
        rows = [WebhookDeliveryRow(subscription_id=s, event_id=event.event_id, status=PENDING, attempts=0,
                                   next_attempt_at=now, created_at=now) for s in subscription_ids]
        self._session.add_all(rows)
        self._session.flush()
        return [row.id for row in rows]

    def subscriptions_of_event(self, event: WebhookEvent) -> list[int]:
        return q.subscriptions_sent_webhook_event(self._session, event.event_id)

    def delivery(self, id: int) -> Delivery | None:
        found = q.webhook_delivery_by_id(self._session, id)
        return None if found is None else _delivery(*found)

    def claim(self, id: int, now: datetime, lease_until: datetime) -> Delivery | None:
        if not q.claim_webhook_delivery(self._session, id, now, lease_until):
            return None
        return self.delivery(id)

    def overdue(self, before: datetime, limit: int) -> list[Delivery]:
        return [_delivery(*found) for found in q.overdue_webhook_deliveries(self._session, before, limit)]

    def record_attempt(self, claimed: Delivery, attempt: Attempt) -> bool:
        values = {"status": attempt.status, "next_attempt_at": attempt.next_attempt_at,
                  "last_status_code": attempt.status_code, "last_error": attempt.error,
                  "response_ms": attempt.response_ms, "delivered_at": attempt.delivered_at}
        return q.record_webhook_attempt(self._session, claimed.id, claimed.attempts, values)

    def deliveries_of(self, subscription_id: int, status: str | None, limit: int) -> list[Delivery]:
        found = q.webhook_deliveries_of_subscription(self._session, subscription_id, status, limit)
        return [_delivery(*row) for row in found]

    def after_commit(self, callback: Callable[[], None]) -> None:
        after_commit(self._session, callback)


def _subscription(row: WebhookSubscriptionRow | Row[Any]) -> Subscription:
    return Subscription(id=row.id, url=row.url, events=tuple(row.events), description=row.description,
                        created_at=row.created_at, sealed_secret=row.sealed_secret, removed_at=row.removed_at)


def _delivery(row: WebhookDeliveryRow, event_type: str) -> Delivery:
    return Delivery(
        id=row.id, subscription_id=row.subscription_id, event_id=row.event_id, event_type=event_type,
        status=row.status, attempts=row.attempts, next_attempt_at=row.next_attempt_at,
        created_at=row.created_at, last_status_code=row.last_status_code, last_error=row.last_error,
        response_ms=row.response_ms, delivered_at=row.delivered_at)
