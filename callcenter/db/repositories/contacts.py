"""The contact repository (``uow.contacts``): contacts, their numbers, organisations; rows in, values out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from callcenter.db.models.crm import ContactRow, OrganisationRow
from callcenter.db.queries import contacts as q
from callcenter.domain.contacts import Contact, Language, Organisation
from callcenter.services.crm_ports import NumberMatches


class ContactRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, name: str, email: str | None, language: str, organisation_id: int | None,
            phones: Sequence[str], at: datetime) -> Contact:
        row = ContactRow(name=name, email=email, language=language, organisation_id=organisation_id,
                         created_at=at, updated_at=at)
        self._session.add(row)
        self._session.flush()
        q.replace_contact_phones(self._session, row.id, phones)
        return to_contact(row, list(phones))

    def get(self, contact_id: int) -> Contact | None:
        row = q.contact_by_id(self._session, contact_id)
        return None if row is None else to_contact(row, q.phones_of_contacts(self._session, [row.id])[row.id])

    def save(self, contact: Contact, at: datetime) -> None:
        row = q.contact_by_id(self._session, contact.id)
        assert row is not None, "save() is only called with a contact read in this transaction"
        row.name, row.email, row.language = contact.name, contact.email, contact.language.value
        row.organisation_id, row.updated_at = contact.organisation_id, at
        q.replace_contact_phones(self._session, contact.id, contact.phones)

    def add_organisation(self, name: str, switchboard: str | None, at: datetime) -> Organisation:
        row = OrganisationRow(name=name, switchboard=switchboard, created_at=at)
        self._session.add(row)
        self._session.flush()
        return to_organisation(row)

    def get_organisation(self, organisation_id: int) -> Organisation | None:
        row = q.organisation_by_id(self._session, organisation_id)
        return None if row is None else to_organisation(row)

    def organisations(self) -> list[Organisation]:
        return [to_organisation(row) for row in q.organisations_by_name(self._session)]

    def with_number(self, e164: str) -> list[int]:
        return q.contact_ids_with_number(self._session, e164)

    def match_number(self, e164: str, limit: int) -> NumberMatches:
        rows = q.owners_of_number(self._session, e164, limit + 1)  # with the first board's members
        boards = sorted((_organisation_of(r) for r in rows if r.rank == q.SWITCHBOARD), key=lambda o: o.id)
        others = q.members_of_organisations(self._session, [org.id for org in boards[1:]], limit + 1)
        rows = sorted([*rows, *others], key=q.answer_order) if others else rows
        direct = _people(rows, q.DIRECT)
        via = {cid: found for cid, found in _people(rows, q.VIA_SWITCHBOARD).items() if cid not in direct}
        kept = [*direct.values(), *via.values()][:limit]
        contacts = {row.id: _contact_of(row, phones) for row, phones in kept}
        return NumberMatches(
            direct=[contacts[cid] for cid in direct if cid in contacts],
            switchboards=boards,
            via_switchboard=[contacts[cid] for cid in via if cid in contacts],
            organisations={r.org_id: _organisation_of(r) for r, _ in kept if r.org_id is not None},
            truncated=len(direct) + len(via) > limit,
        )


def _people(rows: list[Row[Any]], rank: int) -> dict[int, tuple[Row[Any], list[str]]]:
    """Gather the rows of ``rank`` (one per number) into each contact's row and numbers, in row order."""
    found: dict[int, tuple[Row[Any], list[str]]] = {}
    for row in rows:
        if row.rank == rank:
            numbers = found.setdefault(row.id, (row, []))[1]
            if row.phone is not None:
                numbers.append(row.phone)
    return found


_LANGUAGES = {member.value: member for member in Language}  # cheaper than calling the Enum


def _contact_of(row: Row[Any], phones: list[str]) -> Contact:
    return Contact(id=row.id, name=row.name, email=row.email, language=_LANGUAGES[row.language],
                   organisation_id=row.organisation_id, phones=tuple(phones))


def _organisation_of(row: Row[Any]) -> Organisation:
    return Organisation(id=row.org_id, name=row.org_name, switchboard=row.org_switchboard)


def to_contact(row: ContactRow, phones: list[str]) -> Contact:
    return Contact(id=row.id, name=row.name, email=row.email, language=Language(row.language),
                   organisation_id=row.organisation_id, phones=tuple(phones))


def to_organisation(row: OrganisationRow) -> Organisation:
    return Organisation(id=row.id, name=row.name, switchboard=row.switchboard)
