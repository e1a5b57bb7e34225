"""Contact and organisation queries by intent, above all: who does this number belong to."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Row,
    Select,
    Subquery,
    bindparam,
    cast,
    delete,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from callcenter.db.models.crm import ContactPhoneRow, ContactRow, OrganisationRow

# The screen-pop reads on a bare Connection (callcenter.db.read_uow), the other use cases on a Session.
Reader = Session | Connection

# Rank of a row in the answer of owners_of_number: organisations first, then contacts by how they match.
SWITCHBOARD, DIRECT, VIA_SWITCHBOARD = 0, 1, 2


# The statements of the screen-pop are Core (table columns, not mapped attributes): executed on a
# Connection, they skip the ORM's compile and result machinery, which cost more than the database did.
_ORGS = OrganisationRow.__table__
_CONTACTS = ContactRow.__table__
_PHONES_TABLE = ContactPhoneRow.__table__
_ORG = (_ORGS.c.id.label("org_id"), _ORGS.c.name.label("org_name"),
        _ORGS.c.switchboard.label("org_switchboard"))
_PERSON = (_CONTACTS.c.id, _CONTACTS.c.name, _CONTACTS.c.email, _CONTACTS.c.language,
           _CONTACTS.c.organisation_id)
# Every number of each contact found, one row each: the screen-pop shows them without another round trip.
_NUMBERS = _PHONES_TABLE.alias("numbers")
_NUMBER = (_NUMBERS.c.e164.label("phone"), _NUMBERS.c.position.label("phone_position"))


def _first_members(organisation_id: Any, limit: Any) -> Subquery:
    """Select an organisation's first ``limit`` members by name, as VIA_SWITCHBOARD rows."""
    # One ordered range scan on (organisation_id, name): a big CPAS has hundreds of officers, and only
    # the first ``limit`` are read.
    return (select(literal_column(str(VIA_SWITCHBOARD)).label("rank"), *_PERSON, *_ORG)
            .select_from(_CONTACTS)
            .join(_ORGS, _ORGS.c.id == _CONTACTS.c.organisation_id)
            .where(_CONTACTS.c.organisation_id == organisation_id)
            .order_by(_CONTACTS.c.name, _CONTACTS.c.id).limit(limit).subquery())


def _with_numbers(people: Subquery) -> Select[Any]:
    """Select ``people`` once per number they gave (once with a null phone when they gave none)."""
    return select(people, *_NUMBER).outerjoin(_NUMBERS, _NUMBERS.c.contact_id == people.c.id)


def _owners_statement() -> CompoundSelect:
    """Build once: switchboard owners, the first contacts giving the number, the first board's members."""
    e164, limit = bindparam("e164"), bindparam("limit")
    nobody = (cast(null(), c.type).label(c.key) for c in _PERSON)
    no_number = (cast(null(), c.type).label(c.key) for c in _NUMBER)
    boards = select(literal_column(str(SWITCHBOARD)).label("rank"), *nobody, *_ORG, *no_number).where(
        _ORGS.c.switchboard == e164)
    # Hundreds of officers may give a CPAS switchboard: the first ids come from the (e164, contact_id)
    # index, so the work is bounded by the limit, not by how many people gave the number.
    givers = (select(_PHONES_TABLE.c.contact_id).where(_PHONES_TABLE.c.e164 == e164)
              .order_by(_PHONES_TABLE.c.contact_id).limit(limit).subquery())
    direct = (select(literal_column(str(DIRECT)).label("rank"), *_PERSON, *_ORG, *_NUMBER)
              .select_from(_CONTACTS)
              .join(givers, givers.c.contact_id == _CONTACTS.c.id)
              .join(_NUMBERS, _NUMBERS.c.contact_id == _CONTACTS.c.id)
              .outerjoin(_ORGS, _ORGS.c.id == _CONTACTS.c.organisation_id))
    # A switchboard pops in this round trip too: one organisation has it, as a rule.
    first_board = (select(_ORGS.c.id).where(_ORGS.c.switchboard == e164)
                   .order_by(_ORGS.c.id).limit(1).scalar_subquery())
    return union_all(boards, direct, _with_numbers(_first_members(first_board, limit)))


_OWNERS = _owners_statement()


def owners_of_number(session: Reader, e164: str, limit: int) -> list[Row[Any]]:
    """Return, in one round trip, rows (rank, contact columns, org_* columns, phone) of who has ``e164``.

    Rank SWITCHBOARD rows are organisations whose switchboard it is (contact columns null); DIRECT rows
    up to ``limit`` contacts who gave the number (the oldest contacts when more did), by name;
    VIA_SWITCHBOARD rows the first ``limit`` members by name of the first of those organisations (by
    id: members_of_organisations reads the others'). One row per number of a contact, in the order the
    contact gave them (phone null for a member without a number).
    """
    return sorted(session.execute(_OWNERS, {"e164": e164, "limit": limit}).all(), key=answer_order)


def answer_order(row: Row[Any]) -> tuple[int, str, int, int]:
    """Sort key of the rows above: by rank, then contacts by name, their numbers as given."""
    return row.rank, row.name or "", row.id or 0, row.phone_position or 0


def members_of_organisations(session: Reader, organisation_ids: Sequence[int], limit: int) -> list[Row[Any]]:
    """Return each organisation's first ``limit`` members by name as VIA_SWITCHBOARD rows, by name.

    One row per number of the member in the order given (phone null for a member without a number).
    """
    if not organisation_ids:
        return []
    params = {f"o{i}": org_id for i, org_id in enumerate(organisation_ids)} | {"limit": limit}
    return sorted(session.execute(_members_statement(len(organisation_ids)), params).all(), key=answer_order)


@lru_cache(maxsize=8)
def _members_statement(organisations: int) -> Select[Any]:
    """Build (once per number of organisations) the first-members statement for ids bound as o0, o1, …"""
    # SQLite has no LATERAL, hence a branch each.
    firsts = [_first_members(bindparam(f"o{i}"), bindparam("limit")) for i in range(organisations)]
    return _with_numbers(union_all(*(select(first) for first in firsts)).subquery())


def contact_ids_with_number(session: Session, e164: str) -> list[int]:
    """Return the ids of the contacts that gave ``e164`` as one of their own numbers."""
    stmt = (select(ContactPhoneRow.contact_id).where(ContactPhoneRow.e164 == e164)
            .order_by(ContactPhoneRow.contact_id))
    return list(session.scalars(stmt))


_PHONES = (select(ContactPhoneRow.contact_id, ContactPhoneRow.e164)
           .where(ContactPhoneRow.contact_id.in_(bindparam("ids", expanding=True)))
           .order_by(ContactPhoneRow.contact_id, ContactPhoneRow.position))


def phones_of_contacts(session: Session, contact_ids: Sequence[int]) -> dict[int, list[str]]:
    """Map each contact id to its numbers, in the order they were given."""
    found: dict[int, list[str]] = {cid: [] for cid in contact_ids}
    if contact_ids:
        for contact_id, e164 in session.execute(_PHONES, {"ids": list(contact_ids)}).all():
            found[contact_id].append(e164)
    return found


def contact_by_id(session: Session, contact_id: int) -> ContactRow | None:
    return session.get(ContactRow, contact_id)


def replace_contact_phones(session: Session, contact_id: int, phones: Sequence[str]) -> None:
    """Make ``phones`` the contact's numbers, in this order."""
    session.execute(delete(ContactPhoneRow).where(ContactPhoneRow.contact_id == contact_id))
    session.add_all(ContactPhoneRow(contact_id=contact_id, e164=e164, position=i)
                    for i, e164 in enumerate(phones))
    session.flush()


def organisation_by_id(session: Session, organisation_id: int) -> OrganisationRow | None:
    return session.get(OrganisationRow, organisation_id)


def organisations_by_name(session: Session) -> list[OrganisationRow]:
    return list(session.scalars(select(OrganisationRow).order_by(OrganisationRow.name, OrganisationRow.id)))
