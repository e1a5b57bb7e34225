"""Routing tables: agent profiles, presence (current and log), the routing side of calls, legs, CTI dedup.

Presence lives in Redis for routing; ``agent_presence`` is its last known copy (the decision source
when Redis is down) and ``presence_changes`` the log the time-in-state indicators are computed from.
User ids and call ids carry no foreign key: users (0002) and calls (0003) live on other migration
branches; the keys can be added by the migration that merges the heads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, UtcDateTime

# Twins of callcenter.domain.presence.PresenceStatus, agents.RingVia and call_events.LegOutcome.
PRESENCE_VALUES = ("offline", "available", "ringing", "on_call", "wrap_up", "paused")
RING_VIA_VALUES = ("sip", "client")
LEG_OUTCOME_VALUES = ("rang", "answered", "declined", "no_answer")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class AgentRow(Base):
    __tablename__ = "agents"
    __table_args__ = (CheckConstraint(_one_of("ring_via", RING_VIA_VALUES), name="ring_via"),)

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sip_uri: Mapped[str] = mapped_column(String(200), unique=True)
    languages: Mapped[str] = mapped_column(String(20))  # space-separated, main language first
    groups: Mapped[str] = mapped_column(String(900))  # space-separated
    ring_via: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AgentPresenceRow(Base):
    __tablename__ = "agent_presence"
    __table_args__ = (CheckConstraint(_one_of("status", PRESENCE_VALUES), name="status"),)

    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(40))
    since: Mapped[datetime] = mapped_column(UtcDateTime())
    until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    call_id: Mapped[str | None] = mapped_column(String(100))
    idle_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PresenceChangeRow(Base):
    __tablename__ = "presence_changes"
    __table_args__ = (
        CheckConstraint(_one_of("status", PRESENCE_VALUES), name="status"),
        Index("ix_presence_changes_agent_at", "agent_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    call_id: Mapped[str | None] = mapped_column(String(100))


class CallRoutingRow(Base):
    """The routing side of a row of ``calls``: language, rounds, what was announced, flags."""

    __tablename__ = "call_routing"
    __table_args__ = (Index("ix_call_routing_state_last_seen", "state", "last_seen"),)

    call_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(10))  # new, waiting, ringing, answered, announced, ended
    round: Mapped[int] = mapped_column(Integer)
    targets: Mapped[str] = mapped_column(String(900))  # agent ids ringing in this round, space-separated
    ring_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    announced: Mapped[str | None] = mapped_column(String(10))  # closed or busy
    out_of_hours: Mapped[bool] = mapped_column(Boolean)
    test: Mapped[bool] = mapped_column(Boolean)
    hangup_cause: Mapped[str | None] = mapped_column(String(40))


class CallLegRow(Base):
    __tablename__ = "call_legs"
    __table_args__ = (
        CheckConstraint(_one_of("outcome", LEG_OUTCOME_VALUES), name="outcome"),
        UniqueConstraint("call_id", "agent_id", "round", name="uq_call_legs_call_agent_round"),
        Index("ix_call_legs_agent_rang", "agent_id", "rang_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(100))
    agent_id: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer)
    rang_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(10))


class CtiRequestRow(Base):
    """One route request or call event by its id: the answer a repeat of it gets."""

    __tablename__ = "cti_requests"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_cti_requests_kind_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # route or event
    key: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
