"""screen-pop lookup: contact numbers indexed on (e164, contact_id)

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-26

The screen-pop keeps the first contacts (by id) who gave a number; with contact_id in the index it reads
only those entries, however many people gave the number (a big CPAS switchboard). The index replaces
ix_contact_phones_e164, of which it is a superset. Measured with bench/lookup.py (docs/benchmarks.md).
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0003"  # indexes on the CRM tables: a child of the CRM revision
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_contact_phones_e164_contact_id", "contact_phones", ["e164", "contact_id"])
    op.drop_index("ix_contact_phones_e164", table_name="contact_phones")


def downgrade() -> None:
    op.create_index("ix_contact_phones_e164", "contact_phones", ["e164"])
    op.drop_index("ix_contact_phones_e164_contact_id", table_name="contact_phones")
