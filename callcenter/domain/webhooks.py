"""Outbound webhooks as values: event types, subscriptions, deliveries and their retry schedule."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from callcenter.domain.errors import InvalidInput, NotFound

CALL_RINGING = "call.ringing"
CALL_ANSWERED = "call.answered"
CALL_ENDED = "call.ended"
QUESTION_CREATED = "question.created"
QUESTION_UPDATED = "question.updated"
QUESTION_CLOSED = "question.closed"
EVENT_TYPES = (CALL_RINGING, CALL_ANSWERED, CALL_ENDED, QUESTION_CREATED, QUESTION_UPDATED, QUESTION_CLOSED)

PENDING = "pending"  # never attempted yet (or handed back by an operator's redeliver)
DELIVERED = "delivered"
FAILED = "failed"  # the last attempt failed; another one is due at next_attempt_at
DEAD = "dead"  # no more automatic attempts: redeliver the event to try again
STATUSES = (PENDING, DELIVERED, FAILED, DEAD)
DUE_STATUSES = (PENDING, FAILED)

# What a receiver gets besides the signature (webhooks.signatures.HEADER): the event's type and id (to
# deduplicate), and which delivery of ours this is (to match our delivery log).
EVENT_HEADER = "X-Callcenter-Event"
EVENT_ID_HEADER = "X-Callcenter-Event-Id"
DELIVERY_HEADER = "X-Callcenter-Delivery"

FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
URL_MAX = 2000
SECRET_MIN = 16  # an HMAC key a receiver could guess protects nothing
SECRET_MAX = 200
DESCRIPTION_MAX = 200
ERROR_MAX = 1000
_EVENT_ID = re.compile(r"^evt_[0-9a-f]{32}$")
_URL = re.compile(r"^https?://[^\s/?#@]+(?:@[^\s/?#@]+)?(?:[/?#]\S*)?$", re.IGNORECASE)


class NoSuchSubscription(NotFound):
    code = "no-such-subscription"


class NoSuchWebhookEvent(NotFound):
    code = "no-such-event"


class WebhookFailure(Exception):
    """A receiver did not take a delivery: no answer, a timeout, or a status other than 2xx."""

    def __init__(self, message: str, *, status_code: int | None = None,
                 response_ms: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.response_ms = response_ms


@dataclass(frozen=True)
class OutboundEvent:
    """Something other systems may want to hear of, as a use case emits it."""

    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class WebhookEvent:
    """An event as stored and sent: ``event_id`` is what receivers deduplicate on."""

    event_id: str
    type: str
    created_at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class SubscriptionIn:
    url: str
    events: tuple[str, ...]
    secret: str | None  # None: keep the one stored (an edit)
    description: str = ""


@dataclass(frozen=True)
class Subscription:
    id: int
    url: str
    events: tuple[str, ...]
    description: str
    created_at: datetime
    sealed_secret: str = field(repr=False)  # encrypted; opened only to sign a delivery
    removed_at: datetime | None = None

    def wants(self, event_type: str) -> bool:
        return self.removed_at is None and event_type in self.events


@dataclass(frozen=True)
class Delivery:
    """One event sent to one subscription, with the outcome of its last attempt."""

    id: int
    subscription_id: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_status_code: int | None = None
    last_error: str | None = None
    response_ms: int | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class Attempt:
    """The outcome of one attempt, as recorded on its delivery."""

    status: str
    next_attempt_at: datetime
    status_code: int | None
    error: str | None
    response_ms: int | None
    delivered_at: datetime | None = None


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def check_event_id(value: str) -> str:
    """Return an event id as written in a delivery log (evt_ and 32 hex digits), or raise InvalidInput."""
    text = str(value).strip().lower()
    if not _EVENT_ID.match(text):
        raise InvalidInput("An event id is evt_ followed by 32 hexadecimal digits.",
                           {"event_id": "malformed"})
    return text


def clean_subscription(sub: SubscriptionIn) -> SubscriptionIn:
    """Check a subscription's URL, events, secret and description; return it tidied."""
    problems: dict[str, str] = {}
    url = sub.url.strip() if isinstance(sub.url, str) else ""
    if not _URL.match(url) or len(url) > URL_MAX:
        problems["url"] = f"an http:// or https:// URL of at most {URL_MAX} characters"
    events = _clean_events(sub.events, problems)
    secret = sub.secret
    if secret is not None and (not isinstance(secret, str) or not SECRET_MIN <= len(secret) <= SECRET_MAX
                               or secret != secret.strip()):
        problems["secret"] = f"{SECRET_MIN} to {SECRET_MAX} characters without surrounding spaces"
    description = sub.description.strip() if isinstance(sub.description, str) else None
    if description is None or len(description) > DESCRIPTION_MAX or any(c in description for c in "\r\n"):
        problems["description"] = f"one line of at most {DESCRIPTION_MAX} characters"
    if problems:
        named = "; ".join(f"{name}: {problem}" for name, problem in problems.items())
        raise InvalidInput(f"The webhook subscription is not valid ({named}).", problems)
    return SubscriptionIn(url, events, sub.secret, description or "")


def _clean_events(events: Iterable[str], problems: dict[str, str]) -> tuple[str, ...]:
    wanted = {str(e).strip() for e in events} if not isinstance(events, str) else set()
    unknown = sorted(wanted - set(EVENT_TYPES))
    if unknown or not wanted:
        problems["events"] = f"one or more of {', '.join(EVENT_TYPES)}"
    return tuple(t for t in EVENT_TYPES if t in wanted)


def parse_event_list(text: str) -> tuple[str, ...]:
    """Read ``call.ringing,question.created`` as written on a command line."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def retry_delay(failed_attempts: int) -> timedelta:
    """Return the wait after the n-th failed attempt: 30 s doubling each time, capped at 1 h."""
    if failed_attempts < 1:
        return timedelta(0)
    exponent = min(failed_attempts - 1, 12)  # keeps the arithmetic small for absurd counts
    return min(FIRST_RETRY * (1 << exponent), MAX_RETRY)


def failed_attempt(attempts: int, max_attempts: int, now: datetime, failure: WebhookFailure) -> Attempt:
    """Return the record of a failed attempt: retried later, or dead once attempts are used up."""
    dead = attempts >= max_attempts
    return Attempt(DEAD if dead else FAILED, now if dead else now + retry_delay(attempts),
                   failure.status_code, str(failure)[:ERROR_MAX], failure.response_ms)


def envelope(event: WebhookEvent) -> dict[str, Any]:
    """Return the JSON body receivers get (webhooks/schemas/event_*.json)."""
    return {"id": event.event_id, "type": event.type, "created_at": event.created_at.isoformat(),
            "data": event.data}


def subscribers(subscriptions: Sequence[Subscription], event_type: str) -> list[int]:
    """Return the ids of the subscriptions that want events of this type."""
    return [s.id for s in subscriptions if s.wants(event_type)]
