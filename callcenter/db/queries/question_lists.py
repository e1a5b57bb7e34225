"""Question list queries by intent: the questions matching a work-queue filter, soonest due first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row, and_, not_, or_, select
from sqlalchemy.orm import Session

from callcenter.db.models.crm import QuestionRow, TopicRow
from callcenter.domain.questions import OPEN_STATUSES
from callcenter.services.question_lists import QuestionFilter

_OPEN = sorted(s.value for s in OPEN_STATUSES)


def questions_matching(session: Session, which: QuestionFilter, limit: int) -> list[Row[Any]]:
    """Return rows (question columns, topic_code) matching ``which``, by due time then id."""
    stmt = (select(*QuestionRow.__table__.c, TopicRow.code.label("topic_code"))
            .outerjoin(TopicRow, TopicRow.id == QuestionRow.topic_id)
            .where(*_conditions(which))
            .order_by(QuestionRow.due_at, QuestionRow.id)
            .limit(limit))
    return list(session.execute(stmt).all())


def _conditions(which: QuestionFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if which.statuses:
        conditions.append(QuestionRow.status.in_(sorted(which.statuses)))
    if which.owner_user_id is not None:
        conditions.append(QuestionRow.owner_user_id == which.owner_user_id)
    if which.unowned:
        conditions.append(QuestionRow.owner_user_id.is_(None))
    if which.contact_id is not None:
        conditions.append(QuestionRow.contact_id == which.contact_id)
    if which.overdue is not None:
        late = and_(QuestionRow.status.in_(_OPEN), QuestionRow.due_at < which.now)
        conditions.append(late if which.overdue else not_(late))
    if which.after is not None:
        due, question_id = which.after
        conditions.append(or_(QuestionRow.due_at > due,
                              and_(QuestionRow.due_at == due, QuestionRow.id > question_id)))
    return conditions
