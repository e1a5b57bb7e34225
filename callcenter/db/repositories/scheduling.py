"""The scheduled-run repository (``uow.scheduled_runs``): periodic slots claimed by the schedulers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from callcenter.db.queries import scheduling as q


class ScheduledRunRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_unless_claimed(self, job_name: str, slot_start: datetime, job_id: str, at: datetime) -> bool:
        return q.insert_scheduled_run_unless_claimed(self._session, job_name, slot_start, job_id, at)

    def remove(self, job_name: str, slot_start: datetime) -> None:
        q.delete_scheduled_run(self._session, job_name, slot_start)

    def remove_enqueued_before(self, when: datetime) -> int:
        return q.delete_scheduled_runs_enqueued_before(self._session, when)
