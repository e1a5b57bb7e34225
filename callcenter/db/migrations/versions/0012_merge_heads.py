"""merge the area branches into one history

Revision ID: 0012
Revises: 0002, 0004, 0005, 0008, 0009, 0010, 0011
Create Date: 2026-11-26

Identity, CRM, outbox/agendas, SLA, routing, provider recordings, webhooks and SIP were built in
parallel as branches from 0001; from here on the history has a single head again.
"""

from __future__ import annotations

revision = "0012"
down_revision = ("0002", "0004", "0005", "0008", "0009", "0010", "0011")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the merge only joins the branches."""


def downgrade() -> None:
    """Nothing to change: the merge only joins the branches."""
