"""Contacts use cases: organisations, contacts and their numbers (stored in E.164)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from callcenter.domain.contacts import (
    Contact,
    Language,
    NoSuchContact,
    Organisation,
    clean_email,
    clean_phones,
)
from callcenter.domain.errors import Conflict, InvalidInput, RuleViolation
from callcenter.domain.phone import normalise_phone
from callcenter.domain.questions import parse_choice
from callcenter.domain.validation import Problems, optional_id, required_text
from callcenter.services.crm_ports import CrmUnitOfWork, CrmUowFactory
from callcenter.services.ports import Clock


@dataclass(frozen=True)
class ContactIn:
    """A contact as typed by an agent; every field is checked by the service."""

    name: str
    phones: Sequence[str] = ()
    email: str | None = None
    language: str = "fr"
    organisation_id: int | None = None


@dataclass(frozen=True)
class _CleanContact:
    name: str
    phones: tuple[str, ...]
    email: str | None
    language: Language
    organisation_id: int | None


class ContactService:
    def __init__(self, uow: CrmUowFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def create_organisation(self, name: str, switchboard: str | None = None) -> Organisation:
        """Register an organisation (a CPAS/OCMW…), optionally with its switchboard number."""
        problems = Problems()
        clean_name = problems.check(required_text, name, "name", max_length=200)
        number = problems.check(normalise_phone, switchboard, field="switchboard") if switchboard else None
        problems.raise_if_any("organisation")
        assert clean_name is not None
        with self._uow() as uow:
            org = uow.contacts.add_organisation(clean_name, number, self._clock.now())
            uow.commit()
        return org

    def organisations(self) -> list[Organisation]:
        """List every organisation by name."""
        with self._uow() as uow:
            return uow.contacts.organisations()

    def create(self, cmd: ContactIn) -> Contact:
        """Register a contact with its numbers, e-mail, language and organisation."""
        clean = _clean(cmd)
        with self._uow() as uow:
            _check_organisation(uow, clean.organisation_id)
            contact = uow.contacts.add(clean.name, clean.email, clean.language.value, clean.organisation_id,
                                       clean.phones, self._clock.now())
            uow.commit()
        return contact

    def update(self, contact_id: int, cmd: ContactIn) -> Contact:
        """Replace a contact's details and numbers."""
        clean = _clean(cmd)
        with self._uow() as uow:
            current = _contact(uow, contact_id)
            _check_organisation(uow, clean.organisation_id)
            contact = replace(current, name=clean.name, email=clean.email, language=clean.language,
                              organisation_id=clean.organisation_id, phones=clean.phones)
            uow.contacts.save(contact, self._clock.now())
            uow.commit()
        return contact

    def add_phone(self, contact_id: int, number: str) -> Contact:
        """Add a number to a contact (kept once, whatever its spelling)."""
        e164 = normalise_phone(number)
        with self._uow() as uow:
            current = _contact(uow, contact_id)
            if e164 in current.phones:
                raise Conflict(f"The contact already has the number {e164}.", {"phone": "already there"})
            contact = replace(current, phones=(*current.phones, e164))
            _save(uow, contact, self._clock)
        return contact

    def remove_phone(self, contact_id: int, number: str) -> Contact:
        """Remove a number from a contact, keeping at least one way to reach them."""
        e164 = normalise_phone(number)
        with self._uow() as uow:
            current = _contact(uow, contact_id)
            if e164 not in current.phones:
                raise RuleViolation(f"The contact does not have the number {e164}.", {"phone": "not theirs"})
            contact = replace(current, phones=tuple(p for p in current.phones if p != e164))
            if not contact.phones and not contact.email:
                raise RuleViolation("A contact keeps a phone number or an e-mail address.",
                                    {"phone": "last one"})
            _save(uow, contact, self._clock)
        return contact

    def get(self, contact_id: int) -> Contact:
        """Return one contact or raise NoSuchContact."""
        with self._uow() as uow:
            return _contact(uow, contact_id)


def _clean(cmd: ContactIn) -> _CleanContact:
    problems = Problems()
    name = problems.check(required_text, cmd.name, "name", max_length=200)
    phones = problems.check(clean_phones, cmd.phones)
    email = problems.check(clean_email, cmd.email)
    language = problems.check(parse_choice, Language, str(cmd.language).lower(), "language")
    organisation_id = problems.check(optional_id, cmd.organisation_id, "organisation_id")
    if not problems.fields and not phones and not email:
        problems.add("phones", "a phone number or an e-mail address is required")
    problems.raise_if_any("contact")
    assert name is not None and phones is not None and language is not None
    return _CleanContact(name, phones, email, language, organisation_id)


def _contact(uow: CrmUnitOfWork, contact_id: int) -> Contact:
    if isinstance(contact_id, bool) or not isinstance(contact_id, int):
        raise InvalidInput(f"{contact_id!r} is not a contact id.", {"contact_id": "not an id"})
    contact = uow.contacts.get(contact_id)
    if contact is None:
        raise NoSuchContact(f"There is no contact {contact_id}.")
    return contact


def _check_organisation(uow: CrmUnitOfWork, organisation_id: int | None) -> None:
    if organisation_id is not None and uow.contacts.get_organisation(organisation_id) is None:
        raise RuleViolation(f"There is no organisation {organisation_id}.",
                            {"organisation_id": "no such organisation"})


def _save(uow: CrmUnitOfWork, contact: Contact, clock: Clock) -> None:
    uow.contacts.save(contact, clock.now())
    uow.commit()
