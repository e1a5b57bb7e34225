"""Agenda queries by intent: competent experts, entries overlapping a window, a user's feeds."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from callcenter.db.models.agenda import AgendaEntryRow, AgendaFeedRow, ExpertCompetenceRow
from callcenter.db.models.crm import TopicRow
from callcenter.db.models.identity import UserRow


def active_experts_for_topic(session: Session, topic_code: str) -> list[UserRow]:
    """List the active users competent for a topic, by username."""
    stmt = (select(UserRow).join(ExpertCompetenceRow, ExpertCompetenceRow.user_id == UserRow.id)
            .where(ExpertCompetenceRow.topic_code == topic_code, UserRow.active.is_(True))
            .order_by(UserRow.username))
    return list(session.scalars(stmt))


def known_topic_codes(session: Session, codes: Collection[str]) -> set[str]:
    return set(session.scalars(select(TopicRow.code).where(TopicRow.code.in_(codes))))


def competences_of_user(session: Session, user_id: int) -> list[str]:
    stmt = (select(ExpertCompetenceRow.topic_code).where(ExpertCompetenceRow.user_id == user_id)
            .order_by(ExpertCompetenceRow.topic_code))
    return list(session.scalars(stmt))


def replace_competences_of_user(session: Session, user_id: int, codes: Collection[str]) -> None:
    session.execute(delete(ExpertCompetenceRow).where(ExpertCompetenceRow.user_id == user_id))
    session.add_all(ExpertCompetenceRow(user_id=user_id, topic_code=code) for code in sorted(codes))
    session.flush()


def entries_overlapping(session: Session, user_ids: Collection[int], start: datetime,
                        end: datetime) -> list[AgendaEntryRow]:
    """List the agenda entries of these users that overlap [start, end), in time order."""
    stmt = (select(AgendaEntryRow)
            .where(AgendaEntryRow.user_id.in_(user_ids), AgendaEntryRow.starts_at < end,
                   AgendaEntryRow.ends_at > start)
            .order_by(AgendaEntryRow.user_id, AgendaEntryRow.starts_at, AgendaEntryRow.id))
    return list(session.scalars(stmt))


def feed_entries_in_window_or_named(session: Session, feed_id: int, start: datetime, end: datetime,
                                    source_uids: Collection[str]) -> list[AgendaEntryRow]:
    """List a feed's entries overlapping [start, end) plus those with one of these UIDs anywhere."""
    in_window = (AgendaEntryRow.starts_at < end) & (AgendaEntryRow.ends_at > start)
    named = AgendaEntryRow.source_uid.in_(source_uids) if source_uids else in_window
    stmt = select(AgendaEntryRow).where(AgendaEntryRow.feed_id == feed_id, or_(in_window, named))
    return list(session.scalars(stmt))


def delete_agenda_entries(session: Session, ids: Collection[int]) -> None:
    if ids:
        session.execute(delete(AgendaEntryRow).where(AgendaEntryRow.id.in_(ids))
                        .execution_options(synchronize_session=False))


def feed_of_user(session: Session, user_id: int, url: str) -> AgendaFeedRow | None:
    stmt = select(AgendaFeedRow).where(AgendaFeedRow.user_id == user_id, AgendaFeedRow.url == url)
    return session.scalars(stmt).one_or_none()


def all_feeds(session: Session) -> list[AgendaFeedRow]:
    return list(session.scalars(select(AgendaFeedRow).order_by(AgendaFeedRow.id)))


def record_feed_fetch(session: Session, feed_id: int, at: datetime, error: str | None) -> None:
    """Remember when a feed was last read and why that failed, if it did."""
    values: dict[str, object] = {"last_error": error}
    if error is None:
        values["last_fetched_at"] = at
    session.execute(update(AgendaFeedRow).where(AgendaFeedRow.id == feed_id).values(**values)
                    .execution_options(synchronize_session=False))
