"""Call queries by intent: one call by its telephony id, the last calls of some contacts or from a number."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from callcenter.db.models.crm import CallRow, QuestionRow


def call_by_call_id(session: Session, call_id: str) -> tuple[CallRow, str | None] | None:
    """Find a call and the registration number of the question it is linked to."""
    stmt = (select(CallRow, QuestionRow.registration_number)
            .outerjoin(QuestionRow, QuestionRow.id == CallRow.question_id)
            .where(CallRow.call_id == call_id))
    row = session.execute(stmt).one_or_none()
    return None if row is None else (row[0], row[1])


def last_calls(session: Session | Connection, contact_ids: Sequence[int], per_contact: int,
               number: str | None = None) -> list[Row[Any]]:
    """Return rows (call columns, question_number) of the newest calls of contacts and from a number.

    In one round trip, newest first: up to ``per_contact`` calls of each contact and, when ``number`` is
    given, as many ended calls from it (a call can be both).
    """
    if not contact_ids and number is None:
        return []
    params = {f"c{i}": cid for i, cid in enumerate(contact_ids)} | {"per_contact": per_contact}
    if number is not None:
        params["number"] = number
    statement = _last_calls_statement(len(contact_ids), from_number=number is not None)
    return list(session.execute(statement, params).all())


@lru_cache(maxsize=64)
def _last_calls_statement(contacts: int, *, from_number: bool) -> Select[Any]:
    """Build (once per shape) the newest-calls statement for contacts bound as c0, c1, … and ``number``."""
    # One index range scan per contact on (contact_id, started_at), in a single round trip; a window
    # function would read every call of a contact that calls often (a CPAS officer) to keep five.
    calls, questions = CallRow.__table__, QuestionRow.__table__  # Core: see queries/contacts.py
    newest = [select(calls.c.id).where(calls.c.contact_id == bindparam(f"c{i}"))
              .order_by(calls.c.started_at.desc()).limit(bindparam("per_contact")).subquery()
              for i in range(contacts)]
    if from_number:
        # A backward range scan of (from_number, started_at), whoever made the calls; the calls not
        # ended yet (the one ringing now) are the only ones skipped on the way.
        newest.append(select(calls.c.id)
                      .where(calls.c.from_number == bindparam("number"), calls.c.ended_at.is_not(None))
                      .order_by(calls.c.started_at.desc()).limit(bindparam("per_contact")).subquery())
    ids = union_all(*(select(sub.c.id) for sub in newest))
    return (select(*calls.c, questions.c.registration_number.label("question_number"))
            .outerjoin(questions, questions.c.id == calls.c.question_id)
            .where(calls.c.id.in_(ids))
            .order_by(calls.c.started_at.desc(), calls.c.id.desc()))
