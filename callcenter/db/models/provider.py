"""Recordings a cloud telephony provider made of calls (the Twilio-compatible bridge).

A table of its own rather than columns on ``calls``: a call may be recorded more than once (one per
answered Dial), and the calls table lives on another migration branch. No foreign key to calls, like
the other routing tables, until the branches are merged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, UtcDateTime

# Twin of callcenter.domain.provider_recordings.STATUSES.
RECORDING_STATUSES = ("in-progress", "completed", "absent", "failed")


class ProviderRecordingRow(Base):
    __tablename__ = "provider_recordings"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in RECORDING_STATUSES)})", name="status"),
        UniqueConstraint("provider", "recording_sid", name="uq_provider_recordings_provider_sid"),
        Index("ix_provider_recordings_call_id", "call_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(100))
    provider: Mapped[str] = mapped_column(String(20))
    recording_sid: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(String(500))
    duration_s: Mapped[int | None] = mapped_column(Integer)
    channels: Mapped[int | None] = mapped_column(Integer)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime())
