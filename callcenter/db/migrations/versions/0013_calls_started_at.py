"""supervisors' day figures: calls indexed on started_at

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27

The supervision view's figures of the day (answered, within 20 s, abandoned, busy, out of hours) count
the calls that arrived today, twice a second per web worker while calls come in. Without an index that
was a scan of every call ever recorded: 24 ms of PostgreSQL time on 500,000 calls (about a year of the
front office), against 0.3 ms with it (docs/benchmarks.md, "Route decisions").
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_calls_started_at", "calls", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_calls_started_at", table_name="calls")
