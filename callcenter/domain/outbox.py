"""Outgoing mail as values: what may be queued, its delivery states and the retry schedule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from callcenter.domain.errors import InvalidInput

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"  # the last attempt failed; another one is scheduled at next_attempt_at
DEAD = "dead"  # no more automatic attempts; kept, listed and retryable by an operator
STATUSES = (QUEUED, SENDING, SENT, FAILED, DEAD)

LANGUAGES = ("fr", "nl", "de", "en")
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)

# Deliberately loose: the SMTP server is the judge; this only refuses what cannot be an address.
_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


class DeliveryFailure(Exception):
    """The mail server did not accept a message; ``permanent`` means retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class OutgoingEmail:
    """A mail a use case wants sent: delay notice, reply, reminder, …"""

    kind: str
    to_address: str
    subject: str
    body_text: str
    language: str
    body_html: str | None = None
    question_id: int | None = None
    registration_number: str | None = None


@dataclass(frozen=True)
class OutboxMessage:
    """A queued mail with its delivery state, as stored in the outbox."""

    id: int
    message_id: str
    email: OutgoingEmail
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_error: str | None = None
    sent_at: datetime | None = None


def validate_email(email: OutgoingEmail) -> None:
    """Refuse a mail that could never be sent or would inject headers."""
    problems: dict[str, str] = {}
    if not email.kind.strip():
        problems["kind"] = "is empty"
    if not _ADDRESS.match(email.to_address):
        problems["to_address"] = "is not an e-mail address"
    if not email.subject.strip() or any(c in email.subject for c in "\r\n"):
        problems["subject"] = "must be one non-empty line"
    if not email.body_text.strip():
        problems["body_text"] = "is empty"
    if email.language not in LANGUAGES:
        problems["language"] = f"must be one of {', '.join(LANGUAGES)}"
    if problems:
        raise InvalidInput("The outgoing mail is not valid.", fields=problems)


def retry_delay(failed_attempts: int) -> timedelta:
    """Return the wait after the n-th failed attempt: 1 min doubling each time, capped at 1 h."""
    if failed_attempts < 1:
        return timedelta(0)
    # Capping the exponent first keeps the arithmetic small for absurd attempt counts.
    exponent = min(failed_attempts - 1, 12)
    return min(FIRST_RETRY * (1 << exponent), MAX_RETRY)


def is_dead_after(attempts: int, max_attempts: int) -> bool:
    """Tell whether a failed message has used up its automatic attempts."""
    return attempts >= max_attempts
