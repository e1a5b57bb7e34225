"""provider recordings: what a cloud telephony provider reports of the recordings it made of calls

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

A child of the routing revision (the bridge drives the call lifecycle). No foreign key to calls, which
live on the CRM branch; the key can be added by the migration that merges the branches.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callcenter.db.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(100), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("recording_sid", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("channels", sa.Integer(), nullable=True),
        sa.Column("reported_at", callcenter.db.base.UtcDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('in-progress', 'completed', 'absent', 'failed')",
                           name=op.f("ck_provider_recordings_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_recordings")),
        sa.UniqueConstraint("provider", "recording_sid", name="uq_provider_recordings_provider_sid"),
    )
    op.create_index("ix_provider_recordings_call_id", "provider_recordings", ["call_id"])


def downgrade() -> None:
    op.drop_table("provider_recordings")  # its index goes with it
