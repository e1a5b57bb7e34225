"""routing: agent profiles, presence and its log, the routing side of calls, call legs, CTI dedup

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-26

User ids and call ids have no foreign keys yet: users (0002) and calls (0003) live on other branches
(and alembic 1.20 cannot upgrade "heads" when a revision depends on two sibling branches); the keys
are added by the migration that merges the branches.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callcenter.db.base

revision = "0007"
down_revision = "0001"
branch_labels = ("routing",)
depends_on = None

UTC = callcenter.db.base.UtcDateTime
PRESENCE = "status IN ('offline', 'available', 'ringing', 'on_call', 'wrap_up', 'paused')"


def upgrade() -> None:
    _agents()
    _calls()
    op.create_table(
        "cti_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("received_at", UTC(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cti_requests")),
        sa.UniqueConstraint("kind", "key", name="uq_cti_requests_kind_key"),
    )
    op.create_index(op.f("ix_cti_requests_received_at"), "cti_requests", ["received_at"])


def _agents() -> None:
    op.create_table(
        "agents",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sip_uri", sa.String(200), nullable=False),
        sa.Column("languages", sa.String(20), nullable=False),
        sa.Column("groups", sa.String(900), nullable=False),
        sa.Column("ring_via", sa.String(10), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.CheckConstraint("ring_via IN ('sip', 'client')", name=op.f("ck_agents_ring_via")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_agents")),
        sa.UniqueConstraint("sip_uri", name=op.f("uq_agents_sip_uri")),
    )
    op.create_table(
        "agent_presence",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("since", UTC(), nullable=False),
        sa.Column("until", UTC(), nullable=True),
        sa.Column("call_id", sa.String(100), nullable=True),
        sa.Column("idle_since", UTC(), nullable=True),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.CheckConstraint(PRESENCE, name=op.f("ck_agent_presence_status")),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_agent_presence")),
    )
    op.create_table(
        "presence_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("call_id", sa.String(100), nullable=True),
        sa.CheckConstraint(PRESENCE, name=op.f("ck_presence_changes_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_changes")),
    )
    op.create_index("ix_presence_changes_agent_at", "presence_changes", ["agent_id", "at"])


def _calls() -> None:
    op.create_table(
        "call_routing",
        sa.Column("call_id", sa.String(100), nullable=False),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("targets", sa.String(900), nullable=False),
        sa.Column("ring_until", UTC(), nullable=True),
        sa.Column("last_seen", UTC(), nullable=False),
        sa.Column("announced", sa.String(10), nullable=True),
        sa.Column("out_of_hours", sa.Boolean(), nullable=False),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("hangup_cause", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_call_routing")),
    )
    op.create_index("ix_call_routing_state_last_seen", "call_routing", ["state", "last_seen"])
    op.create_table(
        "call_legs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(100), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("rang_at", UTC(), nullable=False),
        sa.Column("ended_at", UTC(), nullable=True),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.CheckConstraint("outcome IN ('rang', 'answered', 'declined', 'no_answer')",
                           name=op.f("ck_call_legs_outcome")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_legs")),
        sa.UniqueConstraint("call_id", "agent_id", "round", name="uq_call_legs_call_agent_round"),
    )
    op.create_index("ix_call_legs_agent_rang", "call_legs", ["agent_id", "rang_at"])


def downgrade() -> None:
    for table in ("cti_requests", "call_legs", "call_routing", "presence_changes", "agent_presence",
                  "agents"):
        op.drop_table(table)  # indexes go with their table
