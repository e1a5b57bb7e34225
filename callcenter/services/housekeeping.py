"""Bookkeeping of periodic jobs: claim a slot once across schedulers, release it, prune old records.

The repository comes from the unit of work (``uow.scheduled_runs``), so a job task or the scheduler
process builds this use case from the services' ``uow`` and ``clock`` alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from callcenter.services.ports import Clock, UnitOfWork

SCHEDULED_RUN_RETENTION = timedelta(days=30)


class ScheduledRunRepository(Protocol):
    def add_unless_claimed(self, job_name: str, slot_start: datetime, job_id: str, at: datetime) -> bool:
        """Record the run of ``job_name`` for ``slot_start``; False if that slot already has one."""
        ...

    def remove(self, job_name: str, slot_start: datetime) -> None: ...

    def remove_enqueued_before(self, when: datetime) -> int:
        """Delete runs enqueued before ``when``; return how many."""
        ...


class HousekeepingUnitOfWork(UnitOfWork, Protocol):
    @property
    def scheduled_runs(self) -> ScheduledRunRepository: ...

    def __enter__(self) -> HousekeepingUnitOfWork: ...


class HousekeepingUnitOfWorkFactory(Protocol):
    def __call__(self) -> HousekeepingUnitOfWork: ...


class Housekeeping:
    def __init__(self, uow: HousekeepingUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def claim_slot(self, job_name: str, slot_start: datetime, job_id: str) -> bool:
        """Claim the run of a periodic job for one slot; only the first claimer gets True."""
        with self._uow() as uow:
            claimed = uow.scheduled_runs.add_unless_claimed(job_name, slot_start, job_id, self._clock.now())
            uow.commit()
        return claimed

    def release_slot(self, job_name: str, slot_start: datetime) -> None:
        """Give a claimed slot back (its job could not be enqueued) so the next tick claims it again."""
        with self._uow() as uow:
            uow.scheduled_runs.remove(job_name, slot_start)
            uow.commit()

    def prune_scheduled_runs(self, keep: timedelta = SCHEDULED_RUN_RETENTION) -> int:
        """Delete records of periodic runs enqueued more than ``keep`` ago; return how many."""
        with self._uow() as uow:
            removed = uow.scheduled_runs.remove_enqueued_before(self._clock.now() - keep)
            uow.commit()
        return removed
