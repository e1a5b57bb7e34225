"""Question queries by intent: by registration number, open ones of contacts, history, frequent topics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, case, func, select
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


_OF_CONTACTS = (select(*QuestionRow.__table__.c, TopicRow.code.label("topic_code"))
                .outerjoin(TopicRow, TopicRow.id == QuestionRow.topic_id)
                .where(QuestionRow.contact_id.in_(bindparam("ids", expanding=True)),
                       # Inline: the set never changes, and the planner picks a plan several times
                       # faster when it sees the statuses (measured by bench/lookup.py).
                       QuestionRow.status.in_(bindparam("statuses", expanding=True, literal_execute=True)))
                .order_by(QuestionRow.due_at, QuestionRow.id)
                .limit(bindparam("limit")))


def questions_of_contacts_in(session: Session, contact_ids: Sequence[int], statuses: Sequence[str],
                             limit: int) -> list[Row[Any]]:
    """Return rows (question columns, topic_code) of these contacts in ``statuses``, soonest due first."""
    if not contact_ids:
        return []
    params = {"ids": list(contact_ids), "statuses": list(statuses), "limit": limit}
    return list(session.execute(_OF_CONTACTS, params).all())


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
