"""Jobs on the real Redis: enqueued once per job id, run by a real forking worker on the database, retried."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from callcenter.bootstrap import Services, build_services
from callcenter.db.models import ScheduledRun
from callcenter.jobs import runtime
from callcenter.jobs.queue import RqJobQueue
from callcenter.jobs.worker import WorkerProcess
from callcenter.services.clock import FixedClock
from callcenter.services.housekeeping import Housekeeping
from callcenter.settings import Settings

pytestmark = pytest.mark.redis

FLAKY_KEY = "test:flaky:calls"
SLOW_KEY = "test:slow:progress"
REPO = Path(__file__).resolve().parents[2]


def flaky() -> str:
    """Fail on the first call, succeed on the second (counted in Redis: each run is another process)."""
    calls = runtime.services().redis.incr(FLAKY_KEY)
    if calls < 2:
        raise RuntimeError("first attempt fails")
    return "done"


def slow() -> None:
    """Take two seconds, saying in Redis when it started and when it finished."""
    redis_client = runtime.services().redis
    redis_client.set(SLOW_KEY, "started")
    time.sleep(2)
    redis_client.set(SLOW_KEY, "finished")


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    c = redis.Redis.from_url(redis_url)
    yield c
    c.close()


@pytest.fixture
def job_settings(make_settings, database_url: str, redis_url: str) -> Settings:  # type: ignore[no-untyped-def]
    return make_settings(database_url=database_url, redis_url=redis_url)  # type: ignore[no-any-return]


def _run_burst_worker(settings: Settings) -> None:
    WorkerProcess(lambda: build_services(settings), burst=True).run()


def _count_runs(services: Services) -> int:
    with services.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ScheduledRun)).scalar_one())


def test_a_job_id_is_enqueued_once(client: redis.Redis) -> None:
    queue = RqJobQueue(client)
    queue.enqueue("callcenter.jobs.tasks.prune_scheduled_runs", job_id="prune-once")
    queue.enqueue("callcenter.jobs.tasks.prune_scheduled_runs", job_id="prune-once")
    assert queue.count() == 1
    queue.enqueue("callcenter.jobs.tasks.prune_scheduled_runs", job_id="prune-other")
    assert queue.count() == 2


def test_a_scheduled_job_id_is_scheduled_once(client: redis.Redis) -> None:
    queue = RqJobQueue(client)
    at = datetime.now(UTC) + timedelta(hours=1)
    queue.enqueue("callcenter.jobs.tasks.prune_scheduled_runs", job_id="later", at=at)
    queue.enqueue("callcenter.jobs.tasks.prune_scheduled_runs", job_id="later", at=at)
    assert queue.count() == 0
    assert ScheduledJobRegistry(queue=Queue("default", connection=client)).get_job_ids() == ["later"]


def test_naive_times_are_refused(client: redis.Redis) -> None:
    with pytest.raises(ValueError, match="naive"):
        RqJobQueue(client).enqueue("callcenter.jobs.tasks.prune_scheduled_runs", job_id="x",
                                   at=datetime(2030, 1, 1))


def test_a_burst_worker_runs_a_job_that_touches_the_database(job_settings: Settings) -> None:
    services = build_services(job_settings)
    try:
        now = datetime.now(UTC)
        old = Housekeeping(services.uow, FixedClock(now - timedelta(days=40)))
        old.claim_slot("nightly", datetime(2020, 1, 1, tzinfo=UTC), "periodic-nightly-old")
        Housekeeping(services.uow, FixedClock(now)).claim_slot("nightly", now, "periodic-nightly-new")
        services.job_queue.enqueue("callcenter.jobs.tasks.prune_scheduled_runs", job_id="prune-now")

        _run_burst_worker(job_settings)

        job = Job.fetch("prune-now", connection=services.redis)
        assert job.get_status() == JobStatus.FINISHED
        assert job.return_value() == 1
        assert _count_runs(services) == 1
    finally:
        services.close()


def test_a_failing_job_is_retried(job_settings: Settings, client: redis.Redis) -> None:
    queue = RqJobQueue(client, backoff_s=(0,))  # no wait: the same burst run takes the retry
    queue.enqueue(f"{__name__}.flaky", job_id="flaky-1", retries=2)

    _run_burst_worker(job_settings)

    job = Job.fetch("flaky-1", connection=client)
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == "done"
    assert int(client.get(FLAKY_KEY) or 0) == 2


def test_a_job_out_of_retries_fails(job_settings: Settings, client: redis.Redis) -> None:
    queue = RqJobQueue(client, backoff_s=(0,))
    queue.enqueue(f"{__name__}.flaky", job_id="flaky-no-retry", retries=0)

    _run_burst_worker(job_settings)

    assert Job.fetch("flaky-no-retry", connection=client).get_status() == JobStatus.FAILED


def test_sigterm_lets_the_worker_finish_the_job_in_hand(tmp_path: Path, redis_url: str,
                                                        client: redis.Redis) -> None:
    RqJobQueue(client).enqueue(f"{__name__}.slow", job_id="slow-1", retries=0)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update(CALLCENTER_DATA_DIR=str(tmp_path / "var"), CALLCENTER_REDIS_URL=redis_url,
               PYTHONPATH=str(REPO))
    worker = subprocess.Popen([sys.executable, "-m", "callcenter.cli", "worker"], env=env, cwd=REPO)
    try:
        deadline = time.monotonic() + 15
        while client.get(SLOW_KEY) != b"started" and time.monotonic() < deadline:
            time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0
    finally:
        worker.kill()
        worker.wait()
    assert client.get(SLOW_KEY) == b"finished"
    assert Job.fetch("slow-1", connection=client).get_status() == JobStatus.FINISHED
