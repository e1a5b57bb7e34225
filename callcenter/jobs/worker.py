"""The worker process: an RQ worker that forks a work horse per job, safely, and stops warm on SIGTERM."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Sequence
from typing import Any

from redis import Redis
from rq import Queue, Worker
from rq.exceptions import StopRequested
from rq.job import Job

from callcenter.jobs import runtime
from callcenter.jobs.queue import QUEUE_NAMES

log = logging.getLogger(__name__)

# A worker killed without a goodbye disappears from Worker.all() (and /healthz) once its key expires,
# after worker_ttl + 60 s; rq's default (420 s) would count a dead worker for eight minutes.
WORKER_TTL_S = 60


class ForkSafeWorker(Worker):
    """An RQ Worker whose work horses never share the parent's database connections."""

    def fork_work_horse(self, job: Job, queue: Queue) -> None:
        # A pooled connection copied into the horse would be used by two processes at once:
        # empty the pool first, the horse opens its own connections.
        runtime.services().dispose_pools()
        super().fork_work_horse(job, queue)

    def perform_job(self, job: Job, queue: Queue, execution: Any) -> bool:
        try:
            return bool(super().perform_job(job, queue, execution))
        finally:
            if self.is_horse:  # the horse leaves by os._exit(): close its connections politely first
                runtime.services().dispose_pools()

    def _install_signal_handlers(self) -> None:
        # The process's main installed SIGTERM/SIGINT handlers that call WorkerProcess.stop(), which
        # asks rq for the same warm shutdown rq's own handlers would (a second signal: cold shutdown).
        pass


class WorkerProcess:
    """Run an RQ worker on the services ``services_factory`` builds in this process."""

    def __init__(self, services_factory: Callable[[], Any], *, queues: Sequence[str] = QUEUE_NAMES,
                 burst: bool = False) -> None:
        self._factory = services_factory
        self._queues = list(queues)
        self._burst = burst
        self._worker: ForkSafeWorker | None = None
        self._stopped = False

    def run(self) -> bool:
        """Work until stopped (or, in burst mode, until the queues are empty); tell whether jobs ran."""
        services = self._factory()
        runtime.set_services(services)
        try:
            self._worker = ForkSafeWorker(self._queues, connection=services.redis, worker_ttl=WORKER_TTL_S)
            services.dispose_pools()  # rq forks its scheduler process inside work()
            if self._stopped:
                return False
            level = services.settings.log_level
            return bool(self._worker.work(burst=self._burst, with_scheduler=True, logging_level=level))
        except StopRequested:  # stopped while setting up, before rq's loop could catch it
            return False
        finally:
            runtime.set_services(None)
            services.close()

    def stop(self) -> None:
        """Finish the job in hand, then leave run(); call it from the main thread's signal handler."""
        self._stopped = True
        if self._worker is not None:
            # Raises rq's StopRequested out of an idle worker's wait, or marks a busy one to stop
            # after its job; a second call is rq's cold shutdown (the horse is killed).
            self._worker.request_stop(signal.SIGTERM, None)  # type: ignore[no-untyped-call]


def live_worker_count(redis: Redis) -> int:
    """Count the workers registered in Redis whose heartbeat key has not expired."""
    return len(Worker.all(connection=redis))
