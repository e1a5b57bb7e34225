"""CRM tables: organisations, contacts and their numbers, topics, questions with their history, calls.

People (owners, authors of events, agents) are plain integer user ids without a foreign key: the users
table lives on another migration branch; the key is added when the branches are merged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, UtcDateTime


class OrganisationRow(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    switchboard: Mapped[str | None] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ContactRow(Base):
    __tablename__ = "contacts"
    # Officers of an organisation by name: the screen-pop of a switchboard reads the first ones in order.
    __table_args__ = (Index("ix_contacts_organisation_name", "organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ContactPhoneRow(Base):
    __tablename__ = "contact_phones"
    __table_args__ = (
        UniqueConstraint("contact_id", "e164", name="uq_contact_phones_contact_e164"),
        # The screen-pop looks numbers up here and keeps the first contact ids (migration 0006).
        Index("ix_contact_phones_e164_contact_id", "e164", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    e164: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)


class TopicRow(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name_fr: Mapped[str] = mapped_column(String(200))
    name_nl: Mapped[str] = mapped_column(String(200))
    name_de: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean)
    faq_reference: Mapped[str | None] = mapped_column(String(500))


class QuestionRow(Base):
    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_contact_status", "contact_id", "status"),  # screen-pop: open questions
        Index("ix_questions_status_due", "status", "due_at"),  # reminders: open questions due before
        Index("ix_questions_owner_status", "owner_user_id", "status"),  # an agent's own questions
        Index("ix_questions_topic_received", "topic_id", "received_at"),  # frequent subjects
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_number: Mapped[str] = mapped_column(String(17), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    type: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    reply_channel: Mapped[str] = mapped_column(String(10))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    subject: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20))
    owner_user_id: Mapped[int | None] = mapped_column(Integer)
    track: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_by_tier: Mapped[str | None] = mapped_column(String(10))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    faq_needed: Mapped[bool] = mapped_column(Boolean)


class QuestionEventRow(Base):
    """One line of a question's history; the migration adds triggers refusing UPDATE and DELETE."""

    __tablename__ = "question_events"
    __table_args__ = (Index("ix_question_events_question_id_id", "question_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    user_id: Mapped[int | None] = mapped_column(Integer)  # None: the system
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class CallRow(Base):
    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_contact_started", "contact_id", "started_at"),  # a contact's last calls
        Index("ix_calls_from_number_started", "from_number", "started_at"),  # a shared number's (0011)
        Index("ix_calls_started_at", "started_at"),  # the day's figures of the supervisors (0013)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(100), unique=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    from_number: Mapped[str] = mapped_column(String(32))
    to_number: Mapped[str] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    agent_user_id: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(30))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
