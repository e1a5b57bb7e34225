"""Call queries by intent: one call by its telephony id, the last calls of some contacts or from a number."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, select, union_all
from sqlalchemy.orm import Session

from callcenter.db.models.crm import CallRow, QuestionRow


def call_by_call_id(session: Session, call_id: str) -> tuple[CallRow, str | None] | None:
    """Find a call and the registration number of the question it is linked to."""
    stmt = (select(CallRow, QuestionRow.registration_number)
            .outerjoin(QuestionRow, QuestionRow.id == CallRow.question_id)
            .where(CallRow.call_id == call_id))
    row = session.execute(stmt).one_or_none()
    return None if row is None else (row[0], row[1])


def last_calls_of_contacts(session: Session, contact_ids: Sequence[int],
                           per_contact: int) -> list[Row[Any]]:
    """Return rows (call columns, question_number) of up to ``per_contact`` newest calls of each contact."""
    if not contact_ids:
        return []
    params = {f"c{i}": cid for i, cid in enumerate(contact_ids)} | {"per_contact": per_contact}
    return list(session.execute(_last_calls_statement(len(contact_ids)), params).all())


@lru_cache(maxsize=64)
def _last_calls_statement(contacts: int) -> Select[Any]:
    """Build (once per number of contacts) the newest-calls statement for contacts bound as c0, c1, …"""
    # One index range scan per contact on (contact_id, started_at), in a single round trip; a window
    # function would read every call of a contact that calls often (a CPAS officer) to keep five.
    newest = [select(CallRow.id).where(CallRow.contact_id == bindparam(f"c{i}"))
              .order_by(CallRow.started_at.desc()).limit(bindparam("per_contact")).subquery()
              for i in range(contacts)]
    ids = union_all(*(select(sub.c.id) for sub in newest))
    return (select(*CallRow.__table__.c, QuestionRow.registration_number.label("question_number"))
            .outerjoin(QuestionRow, QuestionRow.id == CallRow.question_id)
            .where(CallRow.id.in_(ids))
            .order_by(CallRow.contact_id, CallRow.started_at.desc()))


# A backward range scan of (from_number, started_at): the newest calls first, whoever made them; the
# calls not ended yet (the one ringing now) are the only ones skipped on the way.
_FROM_NUMBER: Select[Any] = (
    select(*CallRow.__table__.c, QuestionRow.registration_number.label("question_number"))
    .outerjoin(QuestionRow, QuestionRow.id == CallRow.question_id)
    .where(CallRow.from_number == bindparam("number"), CallRow.ended_at.is_not(None))
    .order_by(CallRow.started_at.desc()).limit(bindparam("limit")))


def last_calls_from_number(session: Session, number: str, limit: int) -> list[Row[Any]]:
    """Return rows (call columns, question_number) of the ``limit`` newest ended calls from ``number``."""
    return list(session.execute(_FROM_NUMBER, {"number": number, "limit": limit}).all())
