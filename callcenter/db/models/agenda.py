"""Experts' competences and agendas (absences and slots, typed in or imported from iCalendar feeds)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, UtcDateTime

# user_id and topic_code are plain columns, no foreign keys: users and topics are created by other
# migration branches, merged later.


class ExpertCompetenceRow(Base):
    __tablename__ = "expert_competences"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic_code: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)


class AgendaEntryRow(Base):
    __tablename__ = "agenda_entries"
    __table_args__ = (
        UniqueConstraint("user_id", "source", "source_uid", name="uq_agenda_entries_user_source_uid"),
        Index("ix_agenda_entries_user_id_starts_at", "user_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    summary: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(10))
    # Imported entries: "<feed id>:<iCalendar UID>[/<occurrence start>]", so re-imports update in place.
    source_uid: Mapped[str] = mapped_column(String(500))
    feed_id: Mapped[int | None] = mapped_column(Integer, index=True)
    imported_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class AgendaFeedRow(Base):
    __tablename__ = "agenda_feeds"
    __table_args__ = (UniqueConstraint("user_id", "url", name="uq_agenda_feeds_user_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    url: Mapped[str] = mapped_column(String(2000))
    last_fetched_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(1000))
