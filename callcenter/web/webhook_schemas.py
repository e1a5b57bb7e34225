"""JSON Schemas of the webhook subscription API, and the event payloads published in the OpenAPI document.

The request and response schemas join the API's components (callcenter.web.api_schemas). The event
payloads are the files webhooks/schemas/event_*.json that receivers validate against: read when the
document is built, published as components and as the document's ``webhooks`` (OpenAPI 3.1).
"""

from __future__ import annotations

from typing import Any

from callcenter.domain.webhooks import (
    DELIVERY_HEADER,
    DESCRIPTION_MAX,
    EVENT_HEADER,
    EVENT_ID_HEADER,
    EVENT_TYPES,
    SECRET_MAX,
    SECRET_MIN,
    STATUSES,
    URL_MAX,
)
from callcenter.web.schema_parts import (
    ID,
    INSTANT,
    STRING,
    Schema,
    array,
    choice,
    closed,
    nullable,
    obj,
    ref,
    text,
)
from webhooks import event_schemas
from webhooks.signatures import HEADER as SIGNATURE_HEADER

_URL = {**text(URL_MAX, "http:// or https:// URL that receives the signed JSON POSTs.", min_length=1),
        "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"}
_EVENTS = {**array(choice(EVENT_TYPES), "The event types to receive."), "minItems": 1, "uniqueItems": True}
_SECRET = text(SECRET_MAX, "HMAC-SHA256 key the receiver verifies X-Callcenter-Signature with.",
               min_length=SECRET_MIN)
# "description" is a property here; obj() and closed() take that keyword for the schema's own text.
_DESCRIBED = {"description": text(DESCRIPTION_MAX, "Who receives them (for the list).")}
_SUBSCRIPTION = {"id": ID, "url": STRING, "events": array(choice(EVENT_TYPES)), "description": STRING,
                 "created_at": INSTANT, "removed_at": nullable(INSTANT)}


def _object(required: tuple[str, ...], properties: Schema, **options: Any) -> Schema:
    schema = obj(required=required, **options)
    return {**schema, "properties": properties}


WEBHOOK_SCHEMAS: dict[str, Schema] = {
    "NewWebhookSubscription": _object(("url", "events"), {
        "url": _URL, "events": _EVENTS, **_DESCRIBED,
        "secret": {**_SECRET, "description": _SECRET["description"] + " Default: one is generated."}}),
    "WebhookSubscriptionPatch": _object((), {"url": _URL, "events": _EVENTS, "secret": _SECRET, **_DESCRIBED},
                                        description="The fields to change; omitted fields stay as they are.",
                                        extra={"minProperties": 1}),
    "Redelivery": obj(subscription_id={**ID, "description": "Only to this subscription (default: to every "
                                                              "subscription in force the event went to)."}),
    "WebhookSubscription": _object(tuple(_SUBSCRIPTION), _SUBSCRIPTION),
    "NewWebhookSubscriptionResult": _object((*_SUBSCRIPTION, "secret"), {
        **_SUBSCRIPTION, "secret": {**STRING, "description": "The signing secret: shown this once."}}),
    "WebhookSubscriptionList": closed(items=array(ref("WebhookSubscription"), "Oldest first.")),
    "WebhookDelivery": closed(
        id=ID, subscription_id=ID, event_id={**STRING, "description": "evt_…: receivers deduplicate on it."},
        event_type=choice(EVENT_TYPES), status=choice(STATUSES), attempts={"type": "integer", "minimum": 0},
        next_attempt_at={**nullable(INSTANT), "description": "When the next attempt is due, if any."},
        last_status_code=nullable({"type": "integer"}), last_error=nullable(STRING),
        response_ms=nullable({"type": "integer", "minimum": 0}), created_at=INSTANT,
        delivered_at=nullable(INSTANT)),
    "WebhookDeliveryList": closed(items=array(ref("WebhookDelivery"), "Newest first.")),
}

_HEADERS = (
    (SIGNATURE_HEADER, "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\" with the subscription's "
                       "secret>. Reject it when t is more than 300 s away; compare in constant time."),
    (EVENT_HEADER, "The event type, as in the body."),
    (EVENT_ID_HEADER, "The event id, as in the body: the same on every attempt and redelivery; deduplicate "
                      "on it."),
    (DELIVERY_HEADER, "Our delivery id (see the subscription's delivery log)."),
)


def event_components() -> dict[str, Schema]:
    """Return the event payload schemas, by component name."""
    return {_component(t): event_schemas.component(t) for t in EVENT_TYPES}


def webhook_operations() -> dict[str, Any]:
    """Return the document's ``webhooks``: the POST each subscriber receives, by event type."""
    return {t: {"post": _operation(t)} for t in EVENT_TYPES}


def _operation(event_type: str) -> dict[str, Any]:
    return {
        "operationId": f"webhook_{event_type.replace('.', '_')}",
        "summary": event_schemas.title(event_type),
        "tags": ["Webhooks"],
        "parameters": [{"name": name, "in": "header", "required": True, "schema": {"type": "string"},
                        "description": description} for name, description in _HEADERS],
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": ref(_component(event_type))}}},
        "responses": {"2XX": {"description": "Taken; any other answer (or none within the timeout) is "
                                             "retried with backoff, then the delivery is dead."}},
    }


def _component(event_type: str) -> str:
    return "WebhookEvent_" + event_type.replace(".", "_")
