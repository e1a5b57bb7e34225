"""service commitments: reminded breaches, delay notices, call-back tasks, applied-rules markers

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-26

question_id and user ids are plain columns without foreign keys: questions (0003) and users (0002) live
on other branches; the keys can be added once the heads are merged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callcenter.db.base

revision = "0005"
down_revision = "0001"
branch_labels = ("sla",)
depends_on = None

UTC = callcenter.db.base.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "reminder_breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("due_at", UTC(), nullable=False),
        sa.Column("reminded_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_breaches")),
        sa.UniqueConstraint("question_id", "due_at", name="uq_reminder_breaches_question_due"),
    )
    op.create_table(
        "delay_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("due_at", UTC(), nullable=False),
        sa.Column("previous_due_at", UTC(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("route", sa.String(10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("callback_task_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delay_notices")),
    )
    op.create_index("ix_delay_notices_question_due", "delay_notices", ["question_id", "due_at"])
    _callback_tasks()
    op.create_table(
        "sla_markers",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sla_markers")),
    )


def _callback_tasks() -> None:
    op.create_table(
        "callback_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("registration_number", sa.String(17), nullable=False),
        sa.Column("assignee_user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("due_at", UTC(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("done_at", UTC(), nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_tasks")),
    )
    op.create_index("ix_callback_tasks_assignee_done", "callback_tasks", ["assignee_user_id", "done_at"])
    op.create_index("ix_callback_tasks_question_id", "callback_tasks", ["question_id"])


def downgrade() -> None:
    for table in ("sla_markers", "callback_tasks", "delay_notices", "reminder_breaches"):
        op.drop_table(table)  # indexes go with their table
