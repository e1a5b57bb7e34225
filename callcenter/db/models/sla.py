"""Service-commitment tables: reminded breaches, delay notices, call-back tasks, applied-rules markers.

Question and user ids are plain integers without foreign keys: questions (0003) and users (0002) live on
other migration branches; the keys can be added by the migration that merges the heads.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, UtcDateTime


class ReminderBreachRow(Base):
    """One reminded breach; the unique (question, due time) pair is what makes a reminder go out once."""

    __tablename__ = "reminder_breaches"
    __table_args__ = (UniqueConstraint("question_id", "due_at", name="uq_reminder_breaches_question_due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reminded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DelayNoticeRow(Base):
    """A delay notice; while a question's due time is one a notice announced, recomputations leave it."""

    __tablename__ = "delay_notices"
    __table_args__ = (Index("ix_delay_notices_question_due", "question_id", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    previous_due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(Text)
    route: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    outbox_message_id: Mapped[int | None] = mapped_column(Integer)
    callback_task_id: Mapped[int | None] = mapped_column(Integer)


class CallbackTaskRow(Base):
    __tablename__ = "callback_tasks"
    __table_args__ = (
        Index("ix_callback_tasks_assignee_done", "assignee_user_id", "done_at"),  # an agent's open calls
        Index("ix_callback_tasks_question_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(Integer)
    registration_number: Mapped[str] = mapped_column(String(17))
    assignee_user_id: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(30))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[int | None] = mapped_column(Integer)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)


class SlaMarkerRow(Base):
    """A named value several processes agree on, e.g. the fingerprint of the rules due times follow."""

    __tablename__ = "sla_markers"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
