"""The outbox use cases with hand-written fakes: validation, backoff, dead letters, retry."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callcenter.domain.errors import Conflict, InvalidInput, NotFound
from callcenter.domain.outbox import (
    DEAD,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    DeliveryFailure,
    OutboxMessage,
    OutgoingEmail,
    retry_delay,
)
from callcenter.services.clock import FixedClock
from callcenter.services.outbox import OutboxService

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
EMAIL = OutgoingEmail("reply", "citizen@example.be", "Votre question", "Bonjour", "fr")


class FakeOutbox:
    def __init__(self) -> None:
        self.rows: dict[int, OutboxMessage] = {}

    def add(self, message_id: str, email: OutgoingEmail, now: datetime) -> OutboxMessage:
        message = OutboxMessage(len(self.rows) + 1, message_id, email, QUEUED, 0, now, now)
        self.rows[message.id] = message
        return message

    def get(self, id: int) -> OutboxMessage | None:
        return self.rows.get(id)

    def claim_next_due(self, now: datetime, lease_until: datetime) -> OutboxMessage | None:
        due = [m for m in self.rows.values()
               if m.status in (QUEUED, FAILED, SENDING) and m.next_attempt_at <= now]
        if not due:
            return None
        first = min(due, key=lambda m: (m.next_attempt_at, m.id))
        return self._set(first.id, status=SENDING, attempts=first.attempts + 1, next_attempt_at=lease_until)

    def mark_sent(self, id: int, at: datetime) -> None:
        self._set(id, status=SENT, sent_at=at, last_error=None)

    def mark_failed(self, claimed: OutboxMessage, status: str, next_attempt_at: datetime, error: str) -> None:
        if self.rows[claimed.id].attempts == claimed.attempts:
            self._set(claimed.id, status=status, next_attempt_at=next_attempt_at, last_error=error)

    def requeue(self, id: int, now: datetime) -> None:
        self._set(id, status=QUEUED, attempts=0, next_attempt_at=now)

    def list_by_status(self, status: str | None, limit: int) -> list[OutboxMessage]:
        return [m for m in self.rows.values() if status in (None, m.status)][:limit]

    def _set(self, id: int, **changes: Any) -> OutboxMessage:
        self.rows[id] = dataclasses.replace(self.rows[id], **changes)
        return self.rows[id]


class FakeUow:
    def __init__(self, outbox: FakeOutbox) -> None:
        self.outbox = outbox
        self.commits = 0

    def __enter__(self) -> FakeUow:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        return None


class FakeSender:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.failure: DeliveryFailure | None = None

    def send(self, message: OutboxMessage) -> None:
        if self.failure is not None:
            raise self.failure
        self.sent.append(message.message_id)


class FakeJobQueue:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, str]] = []

    def enqueue(self, func_path: str, *args: Any, job_id: str, at: datetime | None = None,
                retries: int = 3) -> None:
        self.jobs.append((func_path, job_id))


@pytest.fixture
def parts() -> tuple[OutboxService, FakeOutbox, FakeSender, FakeJobQueue, FixedClock]:
    outbox, sender, jobs, clock = FakeOutbox(), FakeSender(), FakeJobQueue(), FixedClock(NOW)
    uow = FakeUow(outbox)
    service = OutboxService(lambda: uow, clock, sender, jobs, mail_from="Front office <question@mi-is.be>",
                            max_attempts=3)
    return service, outbox, sender, jobs, clock


def test_retry_delay_doubles_from_one_minute_up_to_an_hour() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 7, 8, 100)] == [
        timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(hours=1),
        timedelta(hours=1), timedelta(hours=1)]


def test_queue_email_validates_and_enqueues_delivery(parts: Any) -> None:
    service, outbox, _, jobs, _ = parts
    message = service.queue_email(EMAIL)
    assert message.message_id.endswith(".outbox@mi-is.be>")
    assert jobs.jobs == [("callcenter.jobs.outbox_tasks.deliver_outbox", f"outbox-deliver-{message.id}")]
    with pytest.raises(InvalidInput) as exc:
        service.queue_email(dataclasses.replace(EMAIL, to_address="nobody", subject="a\r\nBcc: x@y.z"))
    assert set(exc.value.fields) == {"to_address", "subject"}
    assert len(outbox.rows) == 1


def test_failures_back_off_then_the_message_is_dead(parts: Any) -> None:
    service, outbox, sender, _, clock = parts
    message = service.queue_email(EMAIL)
    sender.failure = DeliveryFailure("451 try later")
    assert service.deliver_due().retrying == 1
    assert outbox.rows[message.id].next_attempt_at == NOW + timedelta(minutes=1)
    assert service.deliver_due().retrying == 0  # not due yet
    clock.set(NOW + timedelta(minutes=1))
    service.deliver_due()
    assert outbox.rows[message.id].next_attempt_at == NOW + timedelta(minutes=3)
    clock.set(NOW + timedelta(minutes=3))
    assert service.deliver_due().dead == 1
    assert outbox.rows[message.id].status == DEAD and outbox.rows[message.id].last_error == "451 try later"


def test_a_permanent_refusal_is_dead_at_once(parts: Any) -> None:
    service, outbox, sender, _, _ = parts
    message = service.queue_email(EMAIL)
    sender.failure = DeliveryFailure("550 no such user", permanent=True)
    assert service.deliver_due().dead == 1
    assert outbox.rows[message.id].attempts == 1


def test_retry_revives_dead_mail_but_not_sent_mail(parts: Any) -> None:
    service, outbox, sender, jobs, _ = parts
    message = service.queue_email(EMAIL)
    sender.failure = DeliveryFailure("550 no", permanent=True)
    service.deliver_due()
    revived = service.retry(message.id)
    assert (revived.status, revived.attempts) == (QUEUED, 0)
    assert jobs.jobs[-1][1] == f"outbox-deliver-{message.id}"
    sender.failure = None
    assert service.deliver_due().sent == 1
    with pytest.raises(Conflict):
        service.retry(message.id)
    with pytest.raises(NotFound):
        service.retry(999)


def test_a_message_whose_workers_kept_dying_is_not_sent_forever(parts: Any) -> None:
    service, outbox, sender, _, _ = parts
    message = service.queue_email(EMAIL)
    outbox.rows[message.id] = dataclasses.replace(outbox.rows[message.id], status=SENDING, attempts=3)
    assert service.deliver_due().dead == 1
    assert sender.sent == []
    assert "interrupted" in (outbox.rows[message.id].last_error or "")


def test_list_refuses_unknown_status(parts: Any) -> None:
    service, *_ = parts
    with pytest.raises(InvalidInput):
        service.list_messages("lost")
