"""Webhook queries by intent: subscriptions in force, claim a due delivery, record an attempt, read logs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, select, update
from sqlalchemy.orm import Session

from callcenter.db.models.webhooks import WebhookDeliveryRow as Delivery
from callcenter.db.models.webhooks import WebhookEventRow as Event
from callcenter.db.models.webhooks import WebhookSubscriptionRow as Subscription
from callcenter.domain.webhooks import DUE_STATUSES

DeliveryWithType = Row[tuple[Delivery, str]]


def webhook_subscriptions_in_force(session: Session) -> list[Row[Any]]:
    """Return the subscriptions not removed (rows with a subscription's columns), oldest first.

    Core, on the session's connection (after a flush): every call step that might interest a receiver
    reads them, and loading them through the ORM cost more than the statement.
    """
    session.flush()
    return list(session.connection().execute(_IN_FORCE))


_SUBSCRIPTIONS = Subscription.__table__
_IN_FORCE = (select(*_SUBSCRIPTIONS.c).where(_SUBSCRIPTIONS.c.removed_at.is_(None))
             .order_by(_SUBSCRIPTIONS.c.id))


def webhook_subscription_by_id(session: Session, id: int) -> Subscription | None:
    return session.get(Subscription, id, populate_existing=True)


def webhook_event_by_id(session: Session, event_id: str) -> Event | None:
    return session.get(Event, event_id)


def subscriptions_sent_webhook_event(session: Session, event_id: str) -> list[int]:
    stmt = select(Delivery.subscription_id).where(Delivery.event_id == event_id).distinct()
    return sorted(session.scalars(stmt))


def _with_type() -> Select[tuple[Delivery, str]]:
    return select(Delivery, Event.type).join(Event, Event.id == Delivery.event_id)


def webhook_delivery_by_id(session: Session, id: int) -> DeliveryWithType | None:
    return session.execute(_with_type().where(Delivery.id == id)
                           .execution_options(populate_existing=True)).first()


def _due(now: datetime) -> ColumnElement[bool]:
    return Delivery.status.in_(DUE_STATUSES) & (Delivery.next_attempt_at <= now)


def claim_webhook_delivery(session: Session, id: int, now: datetime, lease_until: datetime) -> bool:
    """Take a due delivery for one attempt; of concurrent claimers exactly one gets it."""
    # A compare-and-set: the UPDATE re-checks that the delivery is due (PostgreSQL re-evaluates the
    # condition after waiting for a concurrent claimer's row lock; SQLite serialises writers).
    stmt = (update(Delivery).where(Delivery.id == id, _due(now))
            .values(attempts=Delivery.attempts + 1, next_attempt_at=lease_until)
            .execution_options(synchronize_session=False))
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def overdue_webhook_deliveries(session: Session, before: datetime, limit: int) -> list[DeliveryWithType]:
    """Deliveries due since before ``before``, oldest first: their jobs were lost."""
    stmt = _with_type().where(_due(before)).order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)
    return list(session.execute(stmt))


def record_webhook_attempt(session: Session, id: int, attempts: int, values: dict[str, Any]) -> bool:
    """Record an attempt's outcome if the delivery is still in that attempt; tell whether it was."""
    stmt = (update(Delivery).where(Delivery.id == id, Delivery.attempts == attempts,
                                   Delivery.status.in_(DUE_STATUSES))
            .values(**values).execution_options(synchronize_session=False))
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def webhook_deliveries_of_subscription(session: Session, subscription_id: int, status: str | None,
                                       limit: int) -> list[DeliveryWithType]:
    """A subscription's deliveries, newest first, all or of one status."""
    stmt = _with_type().where(Delivery.subscription_id == subscription_id).order_by(Delivery.id.desc())
    if status is not None:
        stmt = stmt.where(Delivery.status == status)
    return list(session.execute(stmt.limit(limit)))
