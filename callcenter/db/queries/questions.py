"""Question queries by intent: by registration number, open ones of contacts, history, frequent topics."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, case, func, literal_column, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from callcenter.db.models.crm import QuestionEventRow, QuestionRow, TopicRow


def question_by_number(session: Session, registration_number: str, *,
                       for_update: bool = False) -> tuple[QuestionRow, str | None] | None:
    """Find a question and its topic code; ``for_update`` locks the question row."""
    stmt = (select(QuestionRow, TopicRow.code)
            .outerjoin(TopicRow, TopicRow.id == QuestionRow.topic_id)
            .where(QuestionRow.registration_number == registration_number))
    if for_update:
        stmt = stmt.with_for_update(of=QuestionRow)
    row = session.execute(stmt).one_or_none()
    return None if row is None else (row[0], row[1])


def registration_number_exists(session: Session, registration_number: str) -> bool:
    stmt = select(QuestionRow.id).where(QuestionRow.registration_number == registration_number)
    return session.execute(stmt).first() is not None


def questions_of_contacts_in(session: Session | Connection, contact_ids: Sequence[int],
                             statuses: Sequence[str], limit: int) -> Sequence[Row[Any]]:
    """Return rows (question columns, topic_code) of these contacts in ``statuses``, soonest due first."""
    if not contact_ids:
        return []
    params = {f"c{i}": cid for i, cid in enumerate(contact_ids)} | {"limit": limit}
    return session.execute(_of_contacts_statement(len(contact_ids), tuple(statuses)), params).all()


@lru_cache(maxsize=32)
def _of_contacts_statement(contacts: int, statuses: tuple[str, ...]) -> Select[Any]:
    """Build (once per number of contacts) the statement for contacts bound as c0, c1, … (Core, cached).

    Bound one by one rather than as an expanding list, and with the statuses written in the statement
    rather than bound at execution: both would have SQLAlchemy rewrite the compiled SQL at every call.
    """
    questions, topics = QuestionRow.__table__, TopicRow.__table__
    # Inline: the set never changes, and the planner picks a plan several times faster when it sees the
    # statuses (measured by bench/lookup.py). They are the domain's status values, checked to be words.
    assert all(re.fullmatch(r"[a-z_]+", status) for status in statuses), statuses
    return (select(*questions.c, topics.c.code.label("topic_code"))
            .outerjoin(topics, topics.c.id == questions.c.topic_id)
            .where(questions.c.contact_id.in_([bindparam(f"c{i}") for i in range(contacts)]),
                   questions.c.status.in_([literal_column(f"'{status}'") for status in statuses]))
            .order_by(questions.c.due_at, questions.c.id)
            .limit(bindparam("limit")))


def events_of_question(session: Session, question_id: int) -> list[QuestionEventRow]:
    stmt = (select(QuestionEventRow).where(QuestionEventRow.question_id == question_id)
            .order_by(QuestionEventRow.id))
    return list(session.scalars(stmt))


def frequent_topics_without_faq(session: Session, since: datetime, until: datetime,
                                min_count: int) -> list[tuple[TopicRow, int, int]]:
    """Count questions received in [since, until) per topic that has no FAQ: (topic, count, FAQ flags)."""
    count = func.count(QuestionRow.id)
    flags = func.sum(case((QuestionRow.faq_needed.is_(True), 1), else_=0))
    stmt = (select(TopicRow, count, flags)
            .join(QuestionRow, QuestionRow.topic_id == TopicRow.id)
            .where(QuestionRow.received_at >= since, QuestionRow.received_at < until,
                   TopicRow.faq_reference.is_(None))
            .group_by(TopicRow.id)
            .having(count >= min_count)
            .order_by(count.desc(), TopicRow.code))
    return [(row[0], int(row[1]), int(row[2] or 0)) for row in session.execute(stmt).all()]
