"""The JobQueue port on RQ: enqueue importable functions by dotted path, once per job id, with retries."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "default"
WEBHOOK_QUEUE = "webhooks"  # after the default one: a hanging receiver must not hold mail and reminders back
QUEUE_NAMES = (DEFAULT_QUEUE, WEBHOOK_QUEUE)  # the queues a worker listens to, in priority order
BACKOFF_S = (10, 60, 300)  # waits before the 1st, 2nd and later retries


class RqJobQueue:
    def __init__(self, redis: Redis, *, queue_name: str = DEFAULT_QUEUE,
                 backoff_s: Sequence[int] = BACKOFF_S) -> None:
        self._queue = Queue(queue_name, connection=redis)
        self._backoff = list(backoff_s)

    def enqueue(self, func_path: str, *args: Any, job_id: str, at: datetime | None = None,
                retries: int = 3) -> None:
        """Enqueue ``func_path(*args)`` now or at ``at``; a job id that already exists is left alone."""
        if at is not None and at.tzinfo is None:
            raise ValueError("naive datetimes are not scheduled: pass an aware UTC datetime")
        retry = Retry(max=retries, interval=self._backoff) if retries > 0 else None
        options: dict[str, Any] = {"job_id": job_id, "retry": retry, "unique": True}
        try:
            if at is None:
                self._queue.enqueue(func_path, *args, **options)
            else:
                # Scheduled jobs (and retries after a wait) are moved to the queue by the RQ scheduler
                # that `callcenter worker` runs (work(with_scheduler=True)).
                self._queue.enqueue_at(at, func_path, *args, **options)
        except DuplicateJobError:
            # rq checks and stores atomically (Lua); the id stays taken while the job's hash lives,
            # i.e. until its result or failure expires.
            log.debug("job %s already exists; not enqueued again", job_id)

    def count(self) -> int:
        """Return how many jobs wait in this queue (scheduled ones not included)."""
        return self._queue.count
