"""Scheduled-run queries by intent: claim a periodic slot once, give it back, prune old runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from callcenter.db.models.scheduling import ScheduledRun as Row


def insert_scheduled_run_unless_claimed(session: Session, job_name: str, slot_start: datetime, job_id: str,
                                        enqueued_at: datetime) -> bool:
    """Insert the run of a slot; tell whether this call inserted it (False: another claimer did)."""
    # ON CONFLICT DO NOTHING instead of catching IntegrityError: a failed INSERT would abort the whole
    # PostgreSQL transaction. A concurrent claimer waits on the first one's row, then inserts nothing.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (dialect.insert(Row)
            .values(job_name=job_name, slot_start=slot_start, job_id=job_id, enqueued_at=enqueued_at)
            .on_conflict_do_nothing(index_elements=[Row.job_name, Row.slot_start])
            .returning(Row.id))
    # RETURNING, not rowcount: an ORM-enabled INSERT does not report the rows it skipped.
    return session.execute(stmt).scalar_one_or_none() is not None


def delete_scheduled_run(session: Session, job_name: str, slot_start: datetime) -> None:
    session.execute(delete(Row).where(Row.job_name == job_name, Row.slot_start == slot_start))


def delete_scheduled_runs_enqueued_before(session: Session, when: datetime) -> int:
    """Delete runs enqueued before ``when``; return how many."""
    result = session.execute(delete(Row).where(Row.enqueued_at < when))
    return int(result.rowcount)  # type: ignore[attr-defined]
