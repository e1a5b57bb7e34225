"""Webhook job tasks: one attempt of one delivery (enqueued after each commit that emits events, and
at each retry), and the sweep that enqueues deliveries whose job was lost (every minute)."""

from __future__ import annotations

from callcenter.jobs import runtime


def deliver_webhook(delivery_id: int) -> str | None:
    """Make one attempt of a webhook delivery; return its status now (None: it was not due)."""
    delivery = runtime.services().webhook_delivery.deliver(int(delivery_id))
    return None if delivery is None else str(delivery.status)


def sweep_webhooks() -> int:
    """Enqueue again the webhook deliveries whose job was lost; return how many."""
    return int(runtime.services().webhook_delivery.sweep())
