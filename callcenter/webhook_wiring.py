"""Composition of the outbound webhooks for callcenter.wiring: jobs, the emitter, subscriptions, delivery.

Delivery jobs go to their own RQ queue (after the default one) through a Redis client with short
timeouts: the emitter enqueues right after a call step commits, and a hung Redis must not hold the
call (the sweep enqueues what could not be). Without Redis the jobs feature has no queue and the
sweep delivers by itself.
"""

from __future__ import annotations

from typing import Any

from callcenter.services.webhook_delivery import WebhookDelivery
from callcenter.services.webhook_emitter import DeliveryJobs, WebhookEmitter
from callcenter.services.webhook_ports import NO_OUTBOUND_EVENTS, OutboundEvents
from callcenter.services.webhook_subscriptions import WebhookSubscriptions

REDIS_TIMEOUT_S = 1.0


def outbound_events(s: Any) -> OutboundEvents:
    """Return the emitter use cases tell their events to (nobody to tell without the feature)."""
    return s.extras.get("webhook_events") or NO_OUTBOUND_EVENTS  # type: ignore[no-any-return]


def build_jobs(s: Any) -> DeliveryJobs:
    if s.redis is None:
        return DeliveryJobs(s.job_queue)
    from callcenter.jobs.queue import WEBHOOK_QUEUE, RqJobQueue
    from callcenter.redis_connection import with_timeouts

    return DeliveryJobs(RqJobQueue(with_timeouts(s.redis, REDIS_TIMEOUT_S), queue_name=WEBHOOK_QUEUE))


def build_events(s: Any) -> WebhookEmitter:
    return WebhookEmitter(s.clock, s.webhook_jobs)


def build_subscriptions(s: Any) -> WebhookSubscriptions:
    return WebhookSubscriptions(s.uow, s.clock, _box(s), s.webhook_jobs)


def build_delivery(s: Any) -> WebhookDelivery:
    from webhooks.outbound_http import HttpWebhookSender

    return WebhookDelivery(s.uow, s.clock, HttpWebhookSender(s.settings.webhook_timeout_s), _box(s),
                           s.webhook_jobs, max_attempts=s.settings.webhook_max_attempts)


def _box(s: Any) -> Any:
    from callcenter.secret_box import FernetSecretBox

    return FernetSecretBox(s.settings.secret_key)
