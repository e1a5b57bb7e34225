"""Contacts (citizens, officers of a CPAS/OCMW) and organisations; no national register number is kept."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from callcenter.domain.errors import InvalidInput, NotFound
from callcenter.domain.phone import normalise_phone
from callcenter.domain.validation import optional_text

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PHONES = 10


class Language(StrEnum):
    FR = "fr"
    NL = "nl"
    DE = "de"
    EN = "en"


class Match(StrEnum):
    """How sure a number lookup is: one contact owns it, or several share it (a switchboard)."""

    EXACT = "exact"
    POSSIBLE = "possible"


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    switchboard: str | None  # E.164; calls from it belong to the organisation, not to one officer


@dataclass(frozen=True)
class Contact:
    id: int
    name: str
    email: str | None
    language: Language
    organisation_id: int | None
    phones: tuple[str, ...]  # E.164, in the order given


class NoSuchContact(NotFound):
    code = "no-such-contact"


class NoSuchOrganisation(NotFound):
    code = "no-such-organisation"


def clean_email(value: object, field: str = "email") -> str | None:
    """Return a plausible e-mail address stripped, None when empty, or raise InvalidInput."""
    text = optional_text(value, field, max_length=254)
    if text is not None and not _EMAIL.match(text):
        raise InvalidInput(f"'{text}' is not an e-mail address.", {field: "not an e-mail address"})
    return text


def clean_phones(values: object, field: str = "phones") -> tuple[str, ...]:
    """Normalise a list of numbers to E.164, dropping repeats; each bad entry is named ``phones[i]``."""
    if values is None:
        return ()
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InvalidInput(f"The {field} must be a list of numbers.", {field: "not a list"})
    items = list(values)
    if len(items) > MAX_PHONES:
        raise InvalidInput(f"A contact has at most {MAX_PHONES} numbers.", {field: f"at most {MAX_PHONES}"})
    problems: dict[str, str] = {}
    numbers: list[str] = []
    for i, item in enumerate(items):
        try:
            number = normalise_phone(str(item), field=f"{field}[{i}]")
        except InvalidInput as exc:
            problems.update(exc.fields)
            continue
        if number not in numbers:
            numbers.append(number)
    if problems:
        raise InvalidInput("Some phone numbers are not phone numbers.", problems)
    return tuple(numbers)
