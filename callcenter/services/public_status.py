"""The public status page's use case: a citizen checks a question with its number and a second factor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from callcenter.domain.public_status import (
    PublicStatus,
    TooManyLookups,
    factor_matches,
    parse_lookup,
)
from callcenter.services.ports import UnitOfWork

# How many lookups one client may make per window (the wiring builds the rate limiter with them).
LOOKUPS_PER_WINDOW = 10
WINDOW_S = 600


@dataclass(frozen=True)
class StatusRecord:
    """A question's public fields with the contact details a citizen proves the question is theirs with."""

    status: PublicStatus
    email: str | None
    phones: tuple[str, ...]  # E.164


@dataclass(frozen=True)
class Admission:
    """A rate limiter's answer: go ahead, or wait ``retry_after_s`` seconds."""

    allowed: bool
    retry_after_s: int = 0


class PublicStatusRepository(Protocol):
    def by_number(self, registration_number: str) -> StatusRecord | None:
        """Return the question's public fields and its contact's e-mail and numbers, in one query."""
        ...


class PublicStatusUnitOfWork(UnitOfWork, Protocol):
    public_status: PublicStatusRepository

    def __enter__(self) -> PublicStatusUnitOfWork: ...


class RateLimiter(Protocol):
    def hit(self, key: str) -> Admission:
        """Count one attempt of ``key`` and say whether it is within the limit."""
        ...


class PublicStatusService:
    def __init__(self, uow: Callable[[], PublicStatusUnitOfWork], limiter: RateLimiter) -> None:
        self._uow = uow
        self._limiter = limiter

    def check(self, reg_no: str, second_factor: str, *, client: str | None = None) -> PublicStatus | None:
        """Return the question's public status if the second factor is its contact's, else None."""
        # ``client`` (the caller's address) counts against the lookup limit; only trusted callers
        # (the CLI, tests) leave it out. A mistyped number raises MistypedRegistrationNumber.
        if client is not None:
            self._admit(client)
        number, factor = parse_lookup(reg_no, second_factor)
        with self._uow() as uow:
            record = uow.public_status.by_number(str(number))
        # Compared even when the number is unknown: both refusals take the same time.
        matched = factor_matches(factor, record.email if record else None, record.phones if record else ())
        return record.status if record is not None and matched else None

    def _admit(self, client: str) -> None:
        admission = self._limiter.hit(client)
        if not admission.allowed:
            raise TooManyLookups(max(1, admission.retry_after_s))
