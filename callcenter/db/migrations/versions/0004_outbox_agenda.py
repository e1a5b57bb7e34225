"""outbox of outgoing mail; experts' competences, agenda entries and iCalendar feeds

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-26

user_id and topic_code are plain columns without foreign keys: users (0002) and topics (0003) live on
other branches; the keys can be added once the heads are merged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callcenter.db.base

revision = "0004"
down_revision = "0001"
branch_labels = ("outbox_agenda",)
depends_on = None

UTC = callcenter.db.base.UtcDateTime


def upgrade() -> None:
    _outbox()
    _agenda()


def _outbox() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(250), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("registration_number", sa.String(50), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("sent_at", UTC(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_messages_message_id")),
    )
    op.create_index("ix_outbox_messages_status_next_attempt_at", "outbox_messages",
                    ["status", "next_attempt_at"])
    op.create_index(op.f("ix_outbox_messages_question_id"), "outbox_messages", ["question_id"])
    op.create_index(op.f("ix_outbox_messages_registration_number"), "outbox_messages",
                    ["registration_number"])


def _agenda() -> None:
    op.create_table(
        "expert_competences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("topic_code", sa.String(50), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "topic_code", name=op.f("pk_expert_competences")),
    )
    op.create_index(op.f("ix_expert_competences_topic_code"), "expert_competences", ["topic_code"])
    op.create_table(
        "agenda_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("starts_at", UTC(), nullable=False),
        sa.Column("ends_at", UTC(), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("source_uid", sa.String(500), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", UTC(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_entries")),
        sa.UniqueConstraint("user_id", "source", "source_uid", name="uq_agenda_entries_user_source_uid"),
    )
    op.create_index("ix_agenda_entries_user_id_starts_at", "agenda_entries", ["user_id", "starts_at"])
    op.create_index(op.f("ix_agenda_entries_feed_id"), "agenda_entries", ["feed_id"])
    op.create_table(
        "agenda_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("last_fetched_at", UTC(), nullable=True),
        sa.Column("last_error", sa.String(1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_feeds")),
        sa.UniqueConstraint("user_id", "url", name="uq_agenda_feeds_user_url"),
    )
    op.create_index(op.f("ix_agenda_feeds_user_id"), "agenda_feeds", ["user_id"])


def downgrade() -> None:
    op.drop_table("agenda_feeds")
    op.drop_table("agenda_entries")
    op.drop_table("expert_competences")
    op.drop_table("outbox_messages")
