"""Registration numbers of questions: ``YYYY-BBBB-BBBB-CC``, a random body and ISO 7064 MOD 97-10 checks.

The year tells a citizen and an agent when the question came in; the eight-digit body is drawn at
random so that one citizen's number says nothing about another's; the two check digits make the
whole fourteen-digit number leave 1 modulo 97 (as an IBAN does), which catches every single mistyped
digit and every swap of two adjacent digits, the check digits included.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from callcenter.domain.errors import Conflict, InvalidInput, RuleViolation

BODY_DIGITS = 8
DIGITS = 4 + BODY_DIGITS + 2
# Spellings people use when reading a number aloud or copying it from a letter.
_SEPARATORS = re.compile(r"[\s\-./]+")


class MistypedRegistrationNumber(RuleViolation):
    """A registration number whose check digits do not match: a typo, not an unknown question."""

    code = "mistyped-registration-number"


class RegistrationNumberTaken(Conflict):
    """The drawn number is already used (one chance in millions): the caller draws another."""

    code = "registration-number-taken"


@dataclass(frozen=True)
class RegistrationNumber:
    """Fourteen digits whose value modulo 97 is 1; ``str()`` spells them ``2026-4821-7730-56``."""

    digits: str

    def __str__(self) -> str:
        d = self.digits
        return f"{d[:4]}-{d[4:8]}-{d[8:12]}-{d[12:]}"

    @property
    def year(self) -> int:
        return int(self.digits[:4])


def check_digits(payload: str) -> str:
    """Return the two ISO 7064 MOD 97-10 check digits that follow the digit string ``payload``."""
    return f"{98 - int(payload + '00') % 97:02d}"


def new_registration_number(year: int, draw: Callable[[int], int] = secrets.randbelow) -> RegistrationNumber:
    """Draw a fresh number for a question received in ``year`` (the caller retries on collision)."""
    if not 1000 <= year <= 9999:
        raise ValueError(f"year {year} does not have four digits")
    payload = f"{year:04d}{draw(10**BODY_DIGITS):0{BODY_DIGITS}d}"
    return RegistrationNumber(payload + check_digits(payload))


def parse_registration_number(text: str, *, field: str = "registration_number") -> RegistrationNumber:
    """Read a number as typed (spaces, dashes, dots, slashes allowed); report typos as mistyped."""
    raw = (text or "").strip()
    digits = _SEPARATORS.sub("", raw)
    if not digits.isdigit() or not digits.isascii():
        raise InvalidInput(f"'{raw}' is not a registration number.", {field: "not a registration number"})
    if len(digits) != DIGITS or int(digits) % 97 != 1:
        raise MistypedRegistrationNumber(
            f"'{raw}' is not a valid registration number: please check it for a typo.",
            {field: "mistyped"},
        )
    return RegistrationNumber(digits)
