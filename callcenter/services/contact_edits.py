"""Partial edits of a contact: change the fields given, keep the others, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from callcenter.domain.contacts import Contact
from callcenter.domain.edits import KEEP, Keep, edits_nothing, pick
from callcenter.domain.errors import InvalidInput
from callcenter.services.contacts import ContactIn, ContactService
from callcenter.services.crm_ports import CrmUowFactory
from callcenter.services.joined_uow import joined


@dataclass(frozen=True)
class ContactPatch:
    """Fields to change; KEEP leaves one as it is, None clears the e-mail or the organisation."""

    name: str | Keep = KEEP
    phones: Sequence[str] | Keep = KEEP  # replaces every number of the contact
    email: str | None | Keep = KEEP
    language: str | Keep = KEEP
    organisation_id: int | None | Keep = KEEP


class ContactEdits:
    def __init__(self, uow: CrmUowFactory, contacts: Callable[[CrmUowFactory], ContactService]) -> None:
        self._uow = uow
        self._contacts = contacts

    def patch(self, contact_id: int, patch: ContactPatch) -> Contact:
        """Apply the fields of ``patch`` to the contact as it is now; the result is checked as a whole."""
        if edits_nothing(patch.name, patch.phones, patch.email, patch.language, patch.organisation_id):
            raise InvalidInput("Say what to change: name, phones, email, language or organisation_id.",
                               {"body": "nothing to change"})
        with self._uow() as uow:
            contacts = self._contacts(joined(uow))
            current = contacts.get(contact_id)
            merged = ContactIn(name=pick(patch.name, current.name), phones=pick(patch.phones, current.phones),
                               email=pick(patch.email, current.email),
                               language=pick(patch.language, current.language.value),
                               organisation_id=pick(patch.organisation_id, current.organisation_id))
            contact = contacts.update(contact_id, merged)
            uow.commit()
        return contact
