"""Outbound webhooks as values: subscriptions checked, the retry schedule, dead letters, event ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.domain.errors import InvalidInput
from callcenter.domain.webhooks import (
    DEAD,
    EVENT_TYPES,
    FAILED,
    Subscription,
    SubscriptionIn,
    WebhookEvent,
    WebhookFailure,
    check_event_id,
    clean_subscription,
    envelope,
    failed_attempt,
    new_event_id,
    parse_event_list,
    retry_delay,
    subscribers,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SECRET = "s" * 32


def test_a_subscription_is_tidied_and_its_events_put_in_their_usual_order() -> None:
    events = ("question.closed", "call.ringing", "call.ringing")
    sub = clean_subscription(SubscriptionIn(" https://crm.example.org/hooks?x=1 ", events, SECRET, " CRM "))
    assert sub == SubscriptionIn("https://crm.example.org/hooks?x=1", ("call.ringing", "question.closed"),
                                 SECRET, "CRM")


@pytest.mark.parametrize(("change", "field"), [
    ({"url": "ftp://example.org/x"}, "url"),
    ({"url": "https://"}, "url"),
    ({"url": "https://example.org/" + "x" * 2000}, "url"),
    ({"events": ()}, "events"),
    ({"events": ("call.rung",)}, "events"),
    ({"secret": "short"}, "secret"),
    ({"secret": " " + SECRET}, "secret"),
    ({"description": "two\nlines"}, "description"),
])
def test_a_subscription_that_cannot_work_is_refused_naming_the_field(change: dict[str, object],
                                                                     field: str) -> None:
    values: dict[str, object] = {"url": "https://example.org/h", "events": ("call.ended",), "secret": SECRET,
                                 "description": ""}
    values.update(change)
    with pytest.raises(InvalidInput) as refused:
        clean_subscription(SubscriptionIn(**values))  # type: ignore[arg-type]
    assert set(refused.value.fields) == {field} and field in refused.value.message


def test_an_edit_may_leave_the_secret_as_stored() -> None:
    kept = clean_subscription(SubscriptionIn("http://127.0.0.1:8000/h", ("call.ended",), None))
    assert kept.secret is None


def test_waits_double_from_30_seconds_and_stop_at_one_hour() -> None:
    waits = [retry_delay(n).total_seconds() for n in range(0, 10)]
    assert waits == [0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert retry_delay(10_000) == timedelta(hours=1)


def test_a_failed_attempt_is_retried_until_the_last_one_then_dead() -> None:
    failure = WebhookFailure("HTTP 500", status_code=500, response_ms=12)
    retried = failed_attempt(2, 8, NOW, failure)
    assert (retried.status, retried.next_attempt_at, retried.status_code, retried.error) == (
        FAILED, NOW + timedelta(seconds=60), 500, "HTTP 500")
    assert failed_attempt(8, 8, NOW, failure).status == DEAD


def test_event_ids_are_checked_before_they_are_looked_up() -> None:
    made = new_event_id()
    assert check_event_id(made.upper()) == made
    with pytest.raises(InvalidInput):
        check_event_id("evt_123")


def test_the_body_is_the_envelope_of_the_event() -> None:
    event = WebhookEvent("evt_" + "a" * 32, "call.ended", NOW, {"call_id": "c1"})
    assert envelope(event) == {"id": event.event_id, "type": "call.ended", "created_at": NOW.isoformat(),
                               "data": {"call_id": "c1"}}


def test_only_subscriptions_in_force_that_want_the_type_get_it() -> None:
    subs = [Subscription(1, "u", ("call.ended",), "", NOW, "x"),
            Subscription(2, "u", EVENT_TYPES, "", NOW, "x", removed_at=NOW),
            Subscription(3, "u", EVENT_TYPES, "", NOW, "x")]
    assert subscribers(subs, "call.ended") == [1, 3]
    assert subscribers(subs, "call.ringing") == [3]
    assert parse_event_list("call.ended, question.closed,") == ("call.ended", "question.closed")
