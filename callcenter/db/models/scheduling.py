"""Periodic job runs: one row per (job, slot), so several schedulers never enqueue a slot twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, UtcDateTime


class ScheduledRun(Base):
    __tablename__ = "scheduled_runs"
    __table_args__ = (UniqueConstraint("job_name", "slot_start", name="uq_scheduled_runs_job_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(100))
    slot_start: Mapped[datetime] = mapped_column(UtcDateTime())
    enqueued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    job_id: Mapped[str] = mapped_column(String(200))
