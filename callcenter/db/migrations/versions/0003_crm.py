"""CRM: organisations, contacts and phone numbers, topics, questions with append-only history, calls

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-26

User ids (owner_user_id, user_id, agent_user_id) have no foreign key yet: the users table comes from
another branch; the key is added by the migration that merges the branches.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callcenter.db.base

revision = "0003"
down_revision = "0001"
branch_labels = ("crm",)
depends_on = None

UTC = callcenter.db.base.UtcDateTime

_PG_APPEND_ONLY = [
    """CREATE FUNCTION question_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'question_events is append-only'; END $$""",
    """CREATE TRIGGER question_events_append_only BEFORE UPDATE OR DELETE ON question_events
       FOR EACH ROW EXECUTE FUNCTION question_events_append_only()""",
]
_SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER question_events_no_update BEFORE UPDATE ON question_events
       BEGIN SELECT RAISE(ABORT, 'question_events is append-only'); END""",
    """CREATE TRIGGER question_events_no_delete BEFORE DELETE ON question_events
       BEGIN SELECT RAISE(ABORT, 'question_events is append-only'); END""",
]


def upgrade() -> None:
    _contacts()
    _topics_and_questions()
    _calls()
    dialect = op.get_bind().dialect.name
    for statement in _PG_APPEND_ONLY if dialect == "postgresql" else _SQLITE_APPEND_ONLY:
        op.execute(statement)


def _contacts() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("switchboard", sa.String(20), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_index(op.f("ix_organisations_switchboard"), "organisations", ["switchboard"])
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_contacts_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_index("ix_contacts_organisation_name", "contacts", ["organisation_id", "name"])
    op.create_table(
        "contact_phones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("e164", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="CASCADE",
                                name=op.f("fk_contact_phones_contact_id_contacts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_phones")),
        sa.UniqueConstraint("contact_id", "e164", name="uq_contact_phones_contact_e164"),
    )
    op.create_index(op.f("ix_contact_phones_e164"), "contact_phones", ["e164"])


def _topics_and_questions() -> None:
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name_fr", sa.String(200), nullable=False),
        sa.Column("name_nl", sa.String(200), nullable=False),
        sa.Column("name_de", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("faq_reference", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint("code", name=op.f("uq_topics_code")),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_number", sa.String(17), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("reply_channel", sa.String(10), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("received_at", UTC(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("track", sa.String(20), nullable=False),
        sa.Column("due_at", UTC(), nullable=False),
        sa.Column("answered_by_tier", sa.String(10), nullable=True),
        sa.Column("answered_at", UTC(), nullable=True),
        sa.Column("closed_at", UTC(), nullable=True),
        sa.Column("faq_needed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"],
                                name=op.f("fk_questions_contact_id_contacts")),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"], name=op.f("fk_questions_topic_id_topics")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sa.UniqueConstraint("registration_number", name=op.f("uq_questions_registration_number")),
    )
    op.create_index("ix_questions_contact_status", "questions", ["contact_id", "status"])
    op.create_index("ix_questions_status_due", "questions", ["status", "due_at"])
    op.create_index("ix_questions_owner_status", "questions", ["owner_user_id", "status"])
    op.create_index("ix_questions_topic_received", "questions", ["topic_id", "received_at"])
    op.create_table(
        "question_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"],
                                name=op.f("fk_question_events_question_id_questions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_events")),
    )
    op.create_index("ix_question_events_question_id_id", "question_events", ["question_id", "id"])


def _calls() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(100), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("from_number", sa.String(32), nullable=False),
        sa.Column("to_number", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("started_at", UTC(), nullable=False),
        sa.Column("answered_at", UTC(), nullable=True),
        sa.Column("ended_at", UTC(), nullable=True),
        sa.Column("agent_user_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(30), nullable=True),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_calls_contact_id_contacts")),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"],
                                name=op.f("fk_calls_question_id_questions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("call_id", name=op.f("uq_calls_call_id")),
    )
    op.create_index("ix_calls_contact_started", "calls", ["contact_id", "started_at"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS question_events_append_only ON question_events")
        op.execute("DROP FUNCTION IF EXISTS question_events_append_only()")
    for table in ("calls", "question_events", "questions", "topics", "contact_phones", "contacts",
                  "organisations"):
        op.drop_table(table)  # SQLite drops a table's triggers with it; indexes go with their table
