"""Ports of the outbound webhooks: the repository on the unit of work, the HTTP sender, the secret box.

``OutboundEvents`` is what other use cases see: they hand it their open unit of work and the events
of their change; the events are stored with the change and delivered by a worker after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from callcenter.domain.webhooks import (
    Attempt,
    Delivery,
    OutboundEvent,
    Subscription,
    SubscriptionIn,
    WebhookEvent,
)
from callcenter.services.ports import UnitOfWork


class WebhookRepository(Protocol):
    def add_subscription(self, sub: SubscriptionIn, sealed_secret: str, now: datetime) -> Subscription: ...

    def subscription(self, id: int) -> Subscription | None:
        """Return a subscription, removed ones included."""
        ...

    def active_subscriptions(self) -> list[Subscription]:
        """Return the subscriptions not removed, oldest first."""
        ...

    def save_subscription(self, sub: Subscription) -> None:
        """Store the URL, events, description, sealed secret and removal time of ``sub``."""
        ...

    def add_event(self, event: WebhookEvent) -> None: ...

    def event(self, event_id: str) -> WebhookEvent | None: ...

    def add_deliveries(self, event: WebhookEvent, subscription_ids: Sequence[int],
                       now: datetime) -> list[int]:
        """Add a pending delivery of the stored ``event`` per subscription, due now; return their ids."""
        ...

    def subscriptions_of_event(self, event: WebhookEvent) -> list[int]:
        """Return the ids of the subscriptions the event was ever delivered to."""
        ...

    def delivery(self, id: int) -> Delivery | None: ...

    def claim(self, id: int, now: datetime, lease_until: datetime) -> Delivery | None:
        """Take a due delivery for one attempt (one attempt more, not due again before lease_until)."""
        ...

    def overdue(self, before: datetime, limit: int) -> list[Delivery]:
        """Return deliveries still waiting since before ``before`` (their job was lost), oldest first."""
        ...

    def record_attempt(self, claimed: Delivery, attempt: Attempt) -> bool:
        """Record the outcome unless another worker has since claimed the delivery; tell whether it did."""
        ...

    def deliveries_of(self, subscription_id: int, status: str | None, limit: int) -> list[Delivery]:
        """Return a subscription's deliveries, newest first, all or of one status."""
        ...

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the open transaction has committed (never if it rolls back)."""
        ...


class WebhookUnitOfWork(UnitOfWork, Protocol):
    @property
    def webhooks(self) -> WebhookRepository: ...

    def __enter__(self) -> WebhookUnitOfWork: ...


class WebhookUowFactory(Protocol):
    def __call__(self) -> WebhookUnitOfWork: ...


@dataclass(frozen=True)
class OutgoingRequest:
    """A signed POST to make: the sender adds the signature of ``body`` at ``timestamp`` with ``secret``."""

    url: str
    body: bytes
    headers: Mapping[str, str]
    secret: str
    timestamp: int


@dataclass(frozen=True)
class Sent:
    status_code: int
    response_ms: int


class WebhookSender(Protocol):
    def send(self, request: OutgoingRequest) -> Sent:
        """POST the request; raise WebhookFailure unless the receiver answered 2xx in time."""
        ...


class SecretBox(Protocol):
    def seal(self, secret: str) -> str: ...

    def open(self, sealed: str) -> str:
        """Return the secret; raise SecretUnreadable if this key did not seal it."""
        ...


class SecretUnreadable(Exception):
    """A sealed secret cannot be opened (the key it was sealed with has changed)."""


class OutboundEvents(Protocol):
    def emit(self, uow: UnitOfWork, events: Sequence[OutboundEvent]) -> None:
        """Store ``events`` in the open unit of work; they go out after it commits, never before."""
        ...

    def emit_if_wanted(self, uow: UnitOfWork, types: Collection[str],
                       build: Callable[[], Sequence[OutboundEvent]]) -> None:
        """Like emit(build()), but build the events only when a subscription wants one of ``types``."""
        ...


class NoOutboundEvents:
    """Nobody to tell: for use cases built without the webhook feature (unit tests, tools)."""

    def emit(self, uow: UnitOfWork, events: Sequence[OutboundEvent]) -> None:
        return None

    def emit_if_wanted(self, uow: UnitOfWork, types: Collection[str],
                       build: Callable[[], Sequence[OutboundEvent]]) -> None:
        return None


NO_OUTBOUND_EVENTS = NoOutboundEvents()
