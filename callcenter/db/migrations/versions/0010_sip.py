"""sip: agents' SIP digest hashes (read by Kamailio's auth_db) and their phones' registrations

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-27

No foreign key to users: users (0002) live on another branch; the merge of the heads can add it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callcenter.db.base

revision = "0010"
down_revision = "0007"
branch_labels = ("sip",)
depends_on = None

UTC = callcenter.db.base.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "sip_credentials",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("realm", sa.String(200), nullable=False),
        sa.Column("ha1", sa.String(32), nullable=False),
        sa.Column("ha1b", sa.String(32), nullable=False),
        sa.Column("ha1_sha256", sa.String(64), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_sip_credentials")),
        sa.UniqueConstraint("username", name=op.f("uq_sip_credentials_username")),
    )
    op.create_table(
        "sip_registrations",
        sa.Column("sip_user", sa.String(64), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("registered_until", UTC(), nullable=True),
        sa.Column("reported_at", sa.Float(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("sip_user", name=op.f("pk_sip_registrations")),
    )
    op.create_index(op.f("ix_sip_registrations_registered_until"), "sip_registrations", ["registered_until"])


def downgrade() -> None:
    op.drop_table("sip_registrations")  # its index goes with it
    op.drop_table("sip_credentials")
