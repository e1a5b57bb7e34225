"""Manage webhook subscriptions: add, list, change, remove; read their delivery logs; redeliver an event.

A subscription's secret is the HMAC key receivers verify our signatures with, so it must be readable
again: it is stored sealed (encrypted) by the SecretBox, shown once when added, never listed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace

from callcenter.domain.edits import KEEP, Keep, edits_nothing, pick
from callcenter.domain.errors import InvalidInput, RuleViolation
from callcenter.domain.webhooks import (
    STATUSES,
    Delivery,
    NoSuchSubscription,
    NoSuchWebhookEvent,
    Subscription,
    SubscriptionIn,
    check_event_id,
    clean_subscription,
)
from callcenter.services.ports import Clock
from callcenter.services.webhook_emitter import DeliveryJobs
from callcenter.services.webhook_ports import SecretBox, WebhookUnitOfWork, WebhookUowFactory

LIST_MAX = 500


@dataclass(frozen=True)
class NewSubscription:
    url: str
    events: tuple[str, ...]
    secret: str | None = None  # None: one is generated (and shown once)
    description: str = ""


@dataclass(frozen=True)
class SubscriptionEdit:
    """Fields to change; KEEP leaves one as it is."""

    url: str | Keep = KEEP
    events: tuple[str, ...] | Keep = KEEP
    secret: str | Keep = KEEP
    description: str | Keep = KEEP


def generate_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class WebhookSubscriptions:
    def __init__(self, uow: WebhookUowFactory, clock: Clock, box: SecretBox, jobs: DeliveryJobs,
                 new_secret: Callable[[], str] = generate_secret) -> None:
        self._uow = uow
        self._clock = clock
        self._box = box
        self._jobs = jobs
        self._new_secret = new_secret

    def add(self, new: NewSubscription) -> tuple[Subscription, str]:
        """Subscribe a URL to events; return the subscription and its secret (the only time it is shown)."""
        secret = self._new_secret() if new.secret is None else new.secret
        sub = clean_subscription(SubscriptionIn(new.url, tuple(new.events), secret, new.description))
        with self._uow() as uow:
            added = uow.webhooks.add_subscription(sub, self._box.seal(secret), self._clock.now())
            uow.commit()
        return added, secret

    def subscriptions(self) -> list[Subscription]:
        """Return the subscriptions in force, oldest first."""
        with self._uow() as uow:
            return uow.webhooks.active_subscriptions()

    def get(self, id: int) -> Subscription:
        with self._uow() as uow:
            return _active(uow, id)

    def update(self, id: int, edit: SubscriptionEdit) -> Subscription:
        """Change the URL, events, secret or description; deliveries not yet made use the new values."""
        if edits_nothing(edit.url, edit.events, edit.secret, edit.description):
            raise InvalidInput("Say what to change: url, events, secret or description.",
                               {"body": "nothing to change"})
        with self._uow() as uow:
            current = _active(uow, id)
            secret = None if edit.secret is KEEP else edit.secret
            sub = clean_subscription(SubscriptionIn(
                pick(edit.url, current.url), tuple(pick(edit.events, current.events)), secret,
                pick(edit.description, current.description)))
            sealed = current.sealed_secret if sub.secret is None else self._box.seal(sub.secret)
            changed = replace(current, url=sub.url, events=sub.events, description=sub.description,
                              sealed_secret=sealed)
            uow.webhooks.save_subscription(changed)
            uow.commit()
        return changed

    def remove(self, id: int) -> Subscription:
        """Stop a subscription; its delivery log stays, its pending deliveries are given up."""
        with self._uow() as uow:
            removed = replace(_active(uow, id), removed_at=self._clock.now())
            uow.webhooks.save_subscription(removed)
            uow.commit()
        return removed

    def deliveries(self, subscription_id: int, status: str | None = None, limit: int = 50) -> list[Delivery]:
        """Return a subscription's delivery log, newest first (removed subscriptions too)."""
        if status is not None and status not in STATUSES:
            raise InvalidInput(f"Unknown delivery status {status!r}; use one of {', '.join(STATUSES)}.",
                               {"status": "unknown"})
        with self._uow() as uow:
            if uow.webhooks.subscription(subscription_id) is None:
                raise NoSuchSubscription(f"There is no webhook subscription {subscription_id}.")
            return uow.webhooks.deliveries_of(subscription_id, status, max(1, min(limit, LIST_MAX)))

    def redeliver(self, event_id: str, subscription_id: int | None = None) -> list[Delivery]:
        """Send an event again, as a new delivery, to the subscriptions it went to (or to one of them)."""
        number = check_event_id(event_id)
        now = self._clock.now()
        with self._uow() as uow:
            event = uow.webhooks.event(number)
            if event is None:
                raise NoSuchWebhookEvent(f"There is no webhook event {number}.")
            sent_to = uow.webhooks.subscriptions_of_event(event)
            targets = self._targets(uow, sent_to, subscription_id, event.type)
            ids = uow.webhooks.add_deliveries(event, targets, now)
            fresh = [d for d in (uow.webhooks.delivery(i) for i in ids) if d is not None]
            uow.commit()
        self._jobs.first(ids)
        return fresh

    def _targets(self, uow: WebhookUnitOfWork, sent_to: list[int], only: int | None, type_: str) -> list[int]:
        if only is None:
            active = {s.id for s in uow.webhooks.active_subscriptions()}
            targets = [i for i in sent_to if i in active]
            if not targets:
                raise RuleViolation("None of the subscriptions this event went to is still in force.",
                                    {"event_id": "no subscription in force"})
            return targets
        sub = _active(uow, only)
        if only not in sent_to and not sub.wants(type_):
            raise RuleViolation(f"Subscription {only} does not take {type_} events.",
                                {"subscription_id": f"not subscribed to {type_}"})
        return [only]


def _active(uow: WebhookUnitOfWork, id: int) -> Subscription:
    sub = uow.webhooks.subscription(id)
    if sub is None or sub.removed_at is not None:
        raise NoSuchSubscription(f"There is no webhook subscription {id}.")
    return sub
