"""REST API for webhook subscriptions (admin scope): subscribe other systems to call and question events,
read a subscription's delivery log, redeliver an event.

What subscribers receive is documented in the OpenAPI document's ``webhooks`` (one POST per event type).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, url_for

from callcenter.domain.edits import KEEP
from callcenter.domain.webhooks import STATUSES
from callcenter.services.webhook_subscriptions import LIST_MAX, NewSubscription, SubscriptionEdit
from callcenter.services.webhook_views import delivery_dict, subscription_dict
from callcenter.web.api_operations import Operation, Param, body, operation, query
from callcenter.web.app import services

bp = Blueprint("api_webhooks", __name__, url_prefix="/api/v1/webhooks")

TAG = "Webhooks"
ADMIN = ("admin",)


@bp.get("/subscriptions")
@operation(Operation("List the webhook subscriptions in force", TAG, {200: "WebhookSubscriptionList"}, ADMIN))
def index() -> Response:
    found = services().webhook_subscriptions.subscriptions()
    return jsonify({"items": [subscription_dict(s) for s in found]})


@bp.post("/subscriptions")
@operation(Operation("Subscribe a URL to events", TAG, {201: "NewWebhookSubscriptionResult"}, ADMIN,
                     body="NewWebhookSubscription",
                     description="The answer holds the signing secret, shown this once."))
def create() -> tuple[Response, int, dict[str, str]]:
    data = body()
    new = NewSubscription(data["url"], tuple(data["events"]), data.get("secret"), data.get("description", ""))
    sub, secret = services().webhook_subscriptions.add(new)
    location = url_for("api_webhooks.read", subscription_id=sub.id)
    return jsonify({**subscription_dict(sub), "secret": secret}), 201, {"Location": location}


@bp.get("/subscriptions/<int:subscription_id>")
@operation(Operation("Read a webhook subscription", TAG, {200: "WebhookSubscription"}, ADMIN))
def read(subscription_id: int) -> Response:
    return jsonify(subscription_dict(services().webhook_subscriptions.get(subscription_id)))


@bp.patch("/subscriptions/<int:subscription_id>")
@operation(Operation("Change a webhook subscription", TAG, {200: "WebhookSubscription"}, ADMIN,
                     body="WebhookSubscriptionPatch",
                     description="Deliveries not made yet go to the new URL, signed with the new secret."))
def update(subscription_id: int) -> Response:
    data = body()
    edit = SubscriptionEdit(data.get("url", KEEP), tuple(data["events"]) if "events" in data else KEEP,
                            data.get("secret", KEEP), data.get("description", KEEP))
    return jsonify(subscription_dict(services().webhook_subscriptions.update(subscription_id, edit)))


@bp.delete("/subscriptions/<int:subscription_id>")
@operation(Operation("Remove a webhook subscription", TAG, {200: "WebhookSubscription"}, ADMIN,
                     description="Nothing more is sent to it; its delivery log stays readable."))
def remove(subscription_id: int) -> Response:
    return jsonify(subscription_dict(services().webhook_subscriptions.remove(subscription_id)))


@bp.get("/subscriptions/<int:subscription_id>/deliveries")
@operation(Operation("A subscription's delivery log, newest first", TAG, {200: "WebhookDeliveryList"}, ADMIN,
                     query=(Param("status", {"enum": list(STATUSES)}, "Only deliveries in this state."),
                            Param("limit", {"type": "integer", "minimum": 1, "maximum": LIST_MAX},
                                  "How many at most (default 50)."))))
def deliveries(subscription_id: int) -> Response:
    args = query()
    found = services().webhook_subscriptions.deliveries(subscription_id, args.get("status"),
                                                        args.get("limit", 50))
    return jsonify({"items": [delivery_dict(d) for d in found]})


@bp.post("/events/<event_id>/redeliver")
@operation(Operation("Send an event again", TAG, {202: "WebhookDeliveryList"}, ADMIN, body="Redelivery",
                     body_required=False, errors=(422,),
                     description="A new delivery per subscription, with the same event id; the worker "
                                 "makes it."))
def redeliver(event_id: str) -> tuple[Response, int]:
    only = body().get("subscription_id")
    fresh = services().webhook_subscriptions.redeliver(event_id, only)
    return jsonify({"items": [delivery_dict(d) for d in fresh]}), 202
