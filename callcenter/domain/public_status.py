"""The citizen's status lookup: what a citizen may see, and the second factor that proves it is theirs.

A citizen gives a registration number and the e-mail address or a phone number of the question's
contact. Whether the number is unknown or the second factor wrong, the lookup does the same work and
gives the same answer, so that the page tells a stranger nothing about other citizens' questions.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from callcenter.domain.contacts import MAX_PHONES, clean_email
from callcenter.domain.errors import DomainError, InvalidInput
from callcenter.domain.phone import normalise_phone
from callcenter.domain.questions import Status
from callcenter.domain.registration import (
    DIGITS,
    MistypedRegistrationNumber,
    RegistrationNumber,
    parse_registration_number,
)

REGISTRATION_FIELD = "registration_number"
FACTOR_FIELD = "second_factor"
INPUT_MAX = 254  # the longest e-mail address; nothing longer is worth parsing
# Every lookup compares the second factor with this many values (a contact's e-mail and numbers,
# padded with dummies), found or not, so that the time taken says nothing about the question.
CANDIDATES = 1 + MAX_PHONES
_DUMMY = "-"

T = TypeVar("T")


class FactorKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"


class TooManyLookups(DomainError):
    """A client made too many lookups in this window (HTTP 429); ``retry_after_s`` says when to retry."""

    code = "too-many-lookups"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"Too many lookups: try again in {retry_after_s} seconds.")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class SecondFactor:
    kind: FactorKind
    value: str  # e-mail address case-folded, or phone number in E.164


@dataclass(frozen=True)
class PublicStatus:
    """What the public status page shows of a question, and nothing more."""

    registration_number: str
    status: Status
    received_at: datetime
    due_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None


def parse_lookup(reg_no: str, second_factor: str) -> tuple[RegistrationNumber, SecondFactor]:
    """Read both fields, reporting every problem at once (a mistyped number alone is a 422)."""
    fields: dict[str, str] = {}
    number = _read(parse_registration_number_field, reg_no, fields)
    factor = _read(parse_second_factor, second_factor, fields)
    if fields == {REGISTRATION_FIELD: "mistyped"}:
        raise MistypedRegistrationNumber("The registration number has a typo.", dict(fields))
    if number is None or factor is None:
        raise InvalidInput(f"The lookup has invalid fields: {', '.join(sorted(fields))}.", fields)
    return number, factor


def parse_registration_number_field(text: str) -> RegistrationNumber:
    """Read the typed registration number; an empty or overlong one is unreadable."""
    raw = _bounded(text, REGISTRATION_FIELD)
    if not raw:
        raise InvalidInput("The registration number is required.", {REGISTRATION_FIELD: "required"})
    try:
        return parse_registration_number(raw, field=REGISTRATION_FIELD)
    except MistypedRegistrationNumber:
        # Digits missing or extra: the citizen copied part of it, which is not a typo to look for.
        if sum(ch.isdigit() for ch in raw) != DIGITS:
            raise InvalidInput(f"'{raw}' does not have the {DIGITS} digits of a registration number.",
                               {REGISTRATION_FIELD: "wrong length"}) from None
        raise


def parse_second_factor(text: str) -> SecondFactor:
    """Read an e-mail address (anything with an @) or a phone number in any usual spelling."""
    raw = _bounded(text, FACTOR_FIELD)
    if not raw:
        raise InvalidInput("The e-mail address or phone number is required.", {FACTOR_FIELD: "required"})
    if "@" in raw:
        email = clean_email(raw, FACTOR_FIELD)
        assert email is not None
        return SecondFactor(FactorKind.EMAIL, email.casefold())
    try:
        return SecondFactor(FactorKind.PHONE, normalise_phone(raw, field=FACTOR_FIELD))
    except InvalidInput:
        raise InvalidInput(f"'{raw}' is neither an e-mail address nor a phone number.",
                           {FACTOR_FIELD: "not an e-mail address or phone number"}) from None


def factor_matches(factor: SecondFactor, email: str | None, phones: Sequence[str]) -> bool:
    """Tell whether ``factor`` is the e-mail or one of the numbers, in time independent of the answer."""
    candidates = [_digest(FactorKind.EMAIL, email.casefold())] if email else []
    candidates += [_digest(FactorKind.PHONE, p) for p in phones[:MAX_PHONES]]
    candidates += [_digest("none", _DUMMY)] * (CANDIDATES - len(candidates))
    wanted = _digest(factor.kind, factor.value)
    matched = False
    for candidate in candidates:  # no early exit: every candidate is compared
        matched |= hmac.compare_digest(candidate, wanted)
    return matched


def _digest(kind: str, value: str) -> bytes:
    # Fixed-length digests: compare_digest then takes the same time whatever the lengths typed.
    return hashlib.sha256(f"{kind}:{value}".encode()).digest()


def _bounded(text: object, field: str) -> str:
    raw = text.strip() if isinstance(text, str) else ""
    if len(raw) > INPUT_MAX:
        raise InvalidInput(f"The {field} is too long.", {field: "too long"})
    return raw


def _read(parse: Callable[[str], T], text: str, fields: dict[str, str]) -> T | None:
    try:
        return parse(text)
    except (InvalidInput, MistypedRegistrationNumber) as exc:
        fields.update(exc.fields)
        return None
