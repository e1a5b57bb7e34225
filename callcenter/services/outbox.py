"""The outbox: mail is stored in the caller's transaction, then delivered by a worker, never lost.

Delivery is at-least-once: a worker that dies after the SMTP server accepted a message but before it
recorded ``sent`` leaves the message ``sending``; once its lease (``next_attempt_at``) expires another
worker sends it again with the same Message-ID header, so receivers can drop the duplicate.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Protocol

from callcenter.domain.errors import Conflict, InvalidInput, NotFound
from callcenter.domain.outbox import (
    DEAD,
    FAILED,
    SENDING,
    SENT,
    STATUSES,
    DeliveryFailure,
    OutboxMessage,
    OutgoingEmail,
    is_dead_after,
    retry_delay,
    validate_email,
)
from callcenter.services.ports import Clock, JobQueue, UnitOfWork

log = logging.getLogger(__name__)

DELIVER_TASK = "callcenter.jobs.outbox_tasks.deliver_outbox"
DEFAULT_LEASE = timedelta(minutes=10)  # far above one SMTP exchange at smtp_timeout_s per command


class OutboxRepository(Protocol):
    def add(self, message_id: str, email: OutgoingEmail, now: datetime) -> OutboxMessage: ...

    def get(self, id: int) -> OutboxMessage | None: ...

    def claim_next_due(self, now: datetime, lease_until: datetime) -> OutboxMessage | None:
        """Mark the oldest due message ``sending`` until lease_until (one attempt more) and return it."""
        ...

    def mark_sent(self, id: int, at: datetime) -> None: ...

    def mark_failed(self, claimed: OutboxMessage, status: str, next_attempt_at: datetime, error: str) -> None:
        """Record a failed attempt unless another worker has since claimed or finished the message."""
        ...

    def requeue(self, id: int, now: datetime) -> None: ...

    def list_by_status(self, status: str | None, limit: int) -> list[OutboxMessage]: ...


class OutboxUnitOfWork(UnitOfWork, Protocol):
    @property
    def outbox(self) -> OutboxRepository: ...

    def __enter__(self) -> OutboxUnitOfWork: ...


class OutboxUnitOfWorkFactory(Protocol):
    def __call__(self) -> OutboxUnitOfWork: ...


class MailSender(Protocol):
    def send(self, message: OutboxMessage) -> None:
        """Hand the message to the mail server; raise DeliveryFailure if it was not accepted."""
        ...


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0


class OutboxService:
    def __init__(self, uow: OutboxUnitOfWorkFactory, clock: Clock, sender: MailSender,
                 job_queue: JobQueue | None, *, mail_from: str, max_attempts: int,
                 lease: timedelta = DEFAULT_LEASE) -> None:
        self._uow = uow
        self._clock = clock
        self._sender = sender
        self._jobs = job_queue
        self._domain = _address_domain(mail_from)
        self._max_attempts = max_attempts
        self._lease = lease

    def add_to(self, uow: OutboxUnitOfWork, email: OutgoingEmail) -> OutboxMessage:
        """Store a mail inside the caller's open unit of work; it commits with the caller's changes."""
        validate_email(email)
        message_id = f"<{uuid.uuid4().hex}.outbox@{self._domain}>"
        return uow.outbox.add(message_id, email, self._clock.now())

    def enqueue_delivery(self, *messages: OutboxMessage) -> None:
        """Ask a worker to deliver now; call after commit (the periodic sweep delivers anyway)."""
        if self._jobs is None:
            return
        for message in messages:
            try:
                self._jobs.enqueue(DELIVER_TASK, job_id=f"outbox-deliver-{message.id}")
            except Exception:  # the mail is committed: the periodic sweep still delivers it
                log.warning("could not enqueue delivery of outbox message %s", message.id, exc_info=True)

    def queue_email(self, email: OutgoingEmail) -> OutboxMessage:
        """Store a mail in its own transaction and ask for its delivery."""
        with self._uow() as uow:
            message = self.add_to(uow, email)
            uow.commit()
        self.enqueue_delivery(message)
        return message

    def deliver_due(self, now: datetime | None = None, limit: int = 200) -> DeliveryReport:
        """Send every message due at ``now`` (at most ``limit``), safe with other workers running."""
        at = now or self._clock.now()
        report = DeliveryReport()
        for _ in range(limit):
            message = self._claim(at)
            if message is None:
                break
            self._deliver(message, report)
        return report

    def list_messages(self, status: str | None = None, limit: int = 100) -> list[OutboxMessage]:
        """List messages, newest first, optionally of one status."""
        if status is not None and status not in STATUSES:
            raise InvalidInput(f"Unknown outbox status {status!r}; use one of {', '.join(STATUSES)}.",
                               fields={"status": "unknown"})
        with self._uow() as uow:
            return uow.outbox.list_by_status(status, limit)

    def retry(self, id: int) -> OutboxMessage:
        """Give a dead or failing message a fresh set of attempts, due now."""
        with self._uow() as uow:
            message = uow.outbox.get(id)
            if message is None:
                raise NotFound(f"There is no outbox message {id}.")
            if message.status in (SENT, SENDING):
                raise Conflict(f"Outbox message {id} is {message.status}; only unsent mail can be retried.")
            uow.outbox.requeue(id, self._clock.now())
            uow.commit()
            fresh = uow.outbox.get(id)
        assert fresh is not None
        self.enqueue_delivery(fresh)
        return fresh

    def _claim(self, now: datetime) -> OutboxMessage | None:
        with self._uow() as uow:
            message = uow.outbox.claim_next_due(now, now + self._lease)
            uow.commit()
        return message

    def _deliver(self, message: OutboxMessage, report: DeliveryReport) -> None:
        if message.attempts > self._max_attempts:
            # Only reachable when workers died mid-send again and again: stop trying by ourselves.
            self._record_failure(message, DeliveryFailure("delivery was interrupted too many times"), report)
            return
        try:
            self._sender.send(message)
        except DeliveryFailure as exc:
            self._record_failure(message, exc, report)
            return
        except Exception as exc:  # one broken message must not stop the others
            log.exception("unexpected error sending outbox message %s", message.id)
            self._record_failure(message, DeliveryFailure(f"{type(exc).__name__}: {exc}"), report)
            return
        with self._uow() as uow:
            uow.outbox.mark_sent(message.id, self._clock.now())
            uow.commit()
        report.sent += 1

    def _record_failure(self, message: OutboxMessage, exc: DeliveryFailure, report: DeliveryReport) -> None:
        now = self._clock.now()
        dead = exc.permanent or is_dead_after(message.attempts, self._max_attempts)
        next_at = now if dead else now + retry_delay(message.attempts)
        with self._uow() as uow:
            uow.outbox.mark_failed(message, DEAD if dead else FAILED, next_at, str(exc)[:1000])
            uow.commit()
        if dead:
            log.error("outbox message %s is dead after %s attempt(s): %s", message.id, message.attempts, exc)
            report.dead += 1
        else:
            report.retrying += 1


def _address_domain(mail_from: str) -> str:
    address = parseaddr(mail_from)[1]
    if "@" not in address:
        raise InvalidInput(f"The mail_from setting {mail_from!r} has no address with a domain.",
                           fields={"mail_from": "no domain"})
    return address.rsplit("@", 1)[1]
