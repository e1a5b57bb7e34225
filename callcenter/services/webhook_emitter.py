"""Emit events to subscribed systems: stored with the change that caused them, sent after its commit.

The caller's transaction gets one event row and one delivery row per subscription that wants it (none
at all when nobody subscribed); only once that transaction has committed is a delivery job enqueued per
row. Enqueueing is best-effort and fast (a Redis client with short timeouts): a job that could not be
enqueued, or was lost, is found by the periodic sweep. Nothing here waits for a receiver.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from typing import cast

from callcenter.domain.webhooks import OutboundEvent, Subscription, WebhookEvent, new_event_id, subscribers
from callcenter.services.ports import Clock, JobQueue, UnitOfWork
from callcenter.services.webhook_ports import WebhookUnitOfWork

log = logging.getLogger(__name__)

DELIVER_TASK = "callcenter.jobs.webhook_tasks.deliver_webhook"


def delivery_job_id(delivery_id: int, attempts: int) -> str:
    """Name the job of a delivery's next attempt (one id per attempt: a used id stays taken a while)."""
    return f"webhook-{delivery_id}-{attempts}"


class DeliveryJobs:
    """Enqueue delivery jobs; a failure to enqueue is logged, never raised (the sweep catches up)."""

    def __init__(self, jobs: JobQueue | None) -> None:
        self._jobs = jobs

    @property
    def available(self) -> bool:
        return self._jobs is not None

    def first(self, delivery_ids: Iterable[int]) -> None:
        """Ask for the first attempt of fresh deliveries now."""
        for delivery_id in delivery_ids:
            # One failure is enough to wait for: the caller may be a call step (the sweep sends the rest).
            if not self.enqueue(delivery_id, delivery_job_id(delivery_id, 0)):
                return

    def enqueue(self, delivery_id: int, job_id: str, at: datetime | None = None) -> bool:
        """Enqueue one attempt; tell whether the queue took it."""
        if self._jobs is None:
            return False
        try:
            self._jobs.enqueue(DELIVER_TASK, delivery_id, job_id=job_id, at=at)
        except Exception:  # the delivery is committed: the periodic sweep still sends it
            log.warning("could not enqueue webhook delivery %s", delivery_id, exc_info=True)
            return False
        return True


class WebhookEmitter:
    def __init__(self, clock: Clock, jobs: DeliveryJobs,
                 new_id: Callable[[], str] = new_event_id) -> None:
        self._clock = clock
        self._jobs = jobs
        self._new_id = new_id

    def emit(self, uow: UnitOfWork, events: Sequence[OutboundEvent]) -> None:
        """Store ``events`` for their subscribers in the open unit of work; enqueue them after its commit."""
        if not events:
            return
        self._store(uow, events, cast(WebhookUnitOfWork, uow).webhooks.active_subscriptions())

    def emit_if_wanted(self, uow: UnitOfWork, types: Collection[str],
                       build: Callable[[], Sequence[OutboundEvent]]) -> None:
        """Like emit(build()), building the events (which may read more) only when someone wants one."""
        if not types:
            return
        subscriptions = cast(WebhookUnitOfWork, uow).webhooks.active_subscriptions()
        if any(subscribers(subscriptions, event_type) for event_type in types):
            self._store(uow, build(), subscriptions)

    def _store(self, uow: UnitOfWork, events: Sequence[OutboundEvent],
               subscriptions: Sequence[Subscription]) -> None:
        # Every unit of work of the app carries the webhook repository (joined ones pass it through).
        repo = cast(WebhookUnitOfWork, uow).webhooks
        now = self._clock.now()
        delivery_ids: list[int] = []
        for event in events:
            targets = subscribers(subscriptions, event.type)
            if targets:
                stored = WebhookEvent(self._new_id(), event.type, now, event.data)
                repo.add_event(stored)
                delivery_ids += repo.add_deliveries(stored, targets, now)
        if delivery_ids:
            repo.after_commit(lambda: self._jobs.first(delivery_ids))
