"""Queries of the public status page: a question's public fields with its contact's e-mail and numbers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from callcenter.db.models.crm import ContactPhoneRow, ContactRow, QuestionRow

# One round trip whether the number exists or not: a question and its contact join on keys, each of
# the contact's numbers adds a row (none: one row with a null number).
_STATUS_WITH_CONTACT = (
    select(QuestionRow.registration_number, QuestionRow.status, QuestionRow.received_at,
           QuestionRow.due_at, QuestionRow.answered_at, QuestionRow.closed_at, ContactRow.email,
           ContactPhoneRow.e164)
    .join(ContactRow, ContactRow.id == QuestionRow.contact_id)
    .outerjoin(ContactPhoneRow, ContactPhoneRow.contact_id == ContactRow.id)
    .where(QuestionRow.registration_number == bindparam("number"))
    .order_by(ContactPhoneRow.position)
)


def public_status_with_contact_details(session: Session, registration_number: str) -> list[Row[Any]]:
    """Return rows (question's public fields, contact e-mail, one number each) of a question; [] if none."""
    return list(session.execute(_STATUS_WITH_CONTACT, {"number": registration_number}).all())
