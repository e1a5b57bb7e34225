"""JSON-ready renderings of webhook subscriptions and deliveries, shared by the API and the CLI."""

from __future__ import annotations

from typing import Any

from callcenter.domain.webhooks import DUE_STATUSES, Delivery, Subscription
from callcenter.services.crm_ports import iso


def subscription_dict(sub: Subscription) -> dict[str, Any]:
    """Render a subscription without its secret (shown once, when added)."""
    return {"id": sub.id, "url": sub.url, "events": list(sub.events), "description": sub.description,
            "created_at": iso(sub.created_at), "removed_at": iso(sub.removed_at)}


def delivery_dict(delivery: Delivery) -> dict[str, Any]:
    waiting = delivery.status in DUE_STATUSES
    return {
        "id": delivery.id, "subscription_id": delivery.subscription_id, "event_id": delivery.event_id,
        "event_type": delivery.event_type, "status": delivery.status, "attempts": delivery.attempts,
        "next_attempt_at": iso(delivery.next_attempt_at) if waiting else None,
        "last_status_code": delivery.last_status_code, "last_error": delivery.last_error,
        "response_ms": delivery.response_ms, "created_at": iso(delivery.created_at),
        "delivered_at": iso(delivery.delivered_at),
    }
