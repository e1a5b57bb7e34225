"""Topic queries by intent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.db.models.crm import TopicRow


def topic_by_code(session: Session, code: str) -> TopicRow | None:
    return session.scalars(select(TopicRow).where(TopicRow.code == code)).one_or_none()


def topics_by_code(session: Session, *, active_only: bool) -> list[TopicRow]:
    stmt = select(TopicRow).order_by(TopicRow.code)
    if active_only:
        stmt = stmt.where(TopicRow.active.is_(True))
    return list(session.scalars(stmt))
