"""screen-pop lookup: calls indexed on (from_number, started_at)

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-26

A number several people share (a CPAS switchboard, a household line) pops the last calls from that
number, whoever made them: one backward range scan of this index instead of the last calls of each
possible caller. Building it on 2,000,000 calls takes a few seconds, during which calls are not
recorded (they wait). Measured with bench/lookup.py (docs/benchmarks.md, "Screen-pop lookup").
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0006"  # indexes on the CRM tables: a child of the CRM indexes revision
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_calls_from_number_started", "calls", ["from_number", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_calls_from_number_started", table_name="calls")
