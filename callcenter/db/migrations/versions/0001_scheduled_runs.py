"""scheduled runs of periodic jobs

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callcenter.db.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_name", sa.String(100), nullable=False),
        sa.Column("slot_start", callcenter.db.base.UtcDateTime(), nullable=False),
        sa.Column("enqueued_at", callcenter.db.base.UtcDateTime(), nullable=False),
        sa.Column("job_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_runs")),
        sa.UniqueConstraint("job_name", "slot_start", name="uq_scheduled_runs_job_slot"),
    )


def downgrade() -> None:
    op.drop_table("scheduled_runs")
