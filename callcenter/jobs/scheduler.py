"""The scheduler process: enqueue each periodic job once per slot, however many schedulers run.

Every ``interval_s`` it claims the current slot of each periodic job (a row in scheduled_runs, unique
per job and slot, written through the Housekeeping use case) and enqueues the job only when the claim
is its own. Slots missed while no scheduler ran are not caught up: a periodic job does the work of
everything due when it runs. It also writes a heartbeat to Redis for /healthz.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from redis import Redis

from callcenter.jobs.periodic import PERIODIC_JOBS, PeriodicJob
from callcenter.services.ports import Clock, JobQueue

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "callcenter:scheduler:heartbeat"  # read by callcenter.health through read_heartbeat()
_NAP_S = 0.2  # how quickly a sleeping scheduler notices stop()


class SlotClaims(Protocol):
    def claim_slot(self, job_name: str, slot_start: datetime, job_id: str) -> bool: ...

    def release_slot(self, job_name: str, slot_start: datetime) -> None: ...


class Scheduler:
    def __init__(self, *, redis: Redis, job_queue: JobQueue, slots: SlotClaims, clock: Clock,
                 interval_s: float, periodic: Sequence[PeriodicJob] = PERIODIC_JOBS) -> None:
        self._redis = redis
        self._queue = job_queue
        self._slots = slots
        self._clock = clock
        self._interval_s = interval_s
        self._periodic = list(periodic)
        self._stopping = False  # a plain flag: set from a signal handler, read by the loop

    def run(self) -> None:
        """Tick every ``interval_s`` until stop()."""
        log.info("scheduler started: %s", ", ".join(job.name for job in self._periodic))
        while not self._stopping:
            try:
                self.tick()
            except Exception:  # Redis unreachable for the heartbeat: log it, try again next tick
                log.exception("scheduler tick failed")
            self._sleep(self._interval_s)
        log.info("scheduler stopped")

    def stop(self) -> None:
        """Leave run() after the current tick."""
        self._stopping = True

    def tick(self) -> list[str]:
        """Enqueue the periodic jobs whose current slot nobody claimed yet; return their job ids."""
        now = self._clock.now()
        write_heartbeat(self._redis, now, ttl_s=int(self._interval_s * 3) + 10)
        enqueued = []
        for job in self._periodic:
            try:
                job_id = self._run_slot(job, now)
            except Exception:  # one job's trouble must not hold the others back
                log.exception("could not enqueue periodic job %s", job.name)
                continue
            if job_id is not None:
                enqueued.append(job_id)
        return enqueued

    def _run_slot(self, job: PeriodicJob, now: datetime) -> str | None:
        slot = job.slot_start(now)
        job_id = job.job_id(slot)
        if not self._slots.claim_slot(job.name, slot, job_id):
            return None
        try:
            self._queue.enqueue(job.func_path, job_id=job_id)
        except Exception:
            self._slots.release_slot(job.name, slot)  # let the next tick try this slot again
            raise
        log.info("enqueued %s for slot %s", job.name, slot.isoformat())
        return job_id

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < deadline:
            time.sleep(min(_NAP_S, max(0.0, deadline - time.monotonic())))


def write_heartbeat(redis: Redis, at: datetime, ttl_s: int) -> None:
    """Record that a scheduler is alive at ``at``; the key vanishes if none writes it for ``ttl_s``."""
    redis.set(HEARTBEAT_KEY, at.astimezone(UTC).isoformat(), ex=ttl_s)


def read_heartbeat(redis: Redis) -> datetime | None:
    """Return when a scheduler last reported alive, or None."""
    raw = redis.get(HEARTBEAT_KEY)
    if raw is None:
        return None
    return datetime.fromisoformat(raw.decode() if isinstance(raw, bytes) else str(raw))
