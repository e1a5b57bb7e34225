"""The scheduler on a real database and Redis: each slot enqueued once by any number of schedulers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.bootstrap import Services, build_services
from callcenter.db.models import ScheduledRun
from callcenter.jobs import runtime, tasks
from callcenter.jobs.periodic import PeriodicJob
from callcenter.jobs.scheduler import Scheduler, read_heartbeat
from callcenter.services.clock import FixedClock
from callcenter.services.housekeeping import Housekeeping

pytestmark = pytest.mark.redis

NOW = datetime(2026, 3, 10, 9, 7, 30, tzinfo=UTC)
EVERY_5_MIN = PeriodicJob("sweep", "callcenter.jobs.tasks.prune_scheduled_runs", timedelta(minutes=5))


class BrokenQueue:
    """A job queue whose Redis is unreachable."""

    def enqueue(self, func_path: str, *args: Any, job_id: str, at: datetime | None = None,
                retries: int = 3) -> None:
        raise ConnectionError("Redis is down")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def build(make_settings, database_url: str, redis_url: str, clock: FixedClock) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """Build independent services (own engine, own Redis client), as separate processes would."""
    built: list[Services] = []

    def make() -> Services:
        settings = make_settings(database_url=database_url, redis_url=redis_url)
        built.append(build_services(settings, clock=clock))
        return built[-1]

    yield make
    for services in built:
        services.close()


def _scheduler(services: Services, job_queue: Any = None) -> Scheduler:
    return Scheduler(redis=services.redis, job_queue=job_queue or services.job_queue,
                     slots=Housekeeping(services.uow, services.clock), clock=services.clock,
                     interval_s=30, periodic=[EVERY_5_MIN])


def _runs(services: Services) -> list[tuple[str, datetime, str]]:
    with services.engine.connect() as conn:
        rows = conn.execute(select(ScheduledRun.job_name, ScheduledRun.slot_start, ScheduledRun.job_id)
                            .order_by(ScheduledRun.slot_start))
        return [(name, slot, job_id) for name, slot, job_id in rows]


def test_two_schedulers_enqueue_each_slot_once(build: Any, clock: FixedClock) -> None:
    first, second = build(), build()
    schedulers = [_scheduler(first), _scheduler(second)]
    enqueued: list[str] = []

    def tick_three_times(scheduler: Scheduler) -> None:
        for _ in range(3):
            enqueued.extend(scheduler.tick())

    threads = [threading.Thread(target=tick_three_times, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    clock.set(NOW + timedelta(minutes=5))
    for scheduler in schedulers:
        enqueued.extend(scheduler.tick())

    assert enqueued == ["periodic-sweep-20260310T090500Z", "periodic-sweep-20260310T091000Z"]
    assert first.job_queue.count() == 2
    assert [slot for _, slot, _ in _runs(first)] == [datetime(2026, 3, 10, 9, 5, tzinfo=UTC),
                                                     datetime(2026, 3, 10, 9, 10, tzinfo=UTC)]


def test_a_tick_writes_the_heartbeat(build: Any) -> None:
    services = build()
    _scheduler(services).tick()
    assert read_heartbeat(services.redis) == NOW
    assert 0 < services.redis.ttl("callcenter:scheduler:heartbeat") <= 100


def test_a_slot_that_could_not_be_enqueued_is_claimed_again(build: Any) -> None:
    services = build()
    assert _scheduler(services, BrokenQueue()).tick() == []
    assert _runs(services) == []
    assert _scheduler(services).tick() == ["periodic-sweep-20260310T090500Z"]


def test_the_prune_task_deletes_runs_older_than_30_days(build: Any, clock: FixedClock) -> None:
    services = build()
    for age_days in (45, 31, 29, 0):
        at = NOW - timedelta(days=age_days)
        Housekeeping(services.uow, FixedClock(at)).claim_slot("sweep", at, f"run-{age_days}")

    runtime.set_services(services)
    try:
        assert tasks.prune_scheduled_runs() == 2
    finally:
        runtime.set_services(None)

    assert [job_id for _, _, job_id in _runs(services)] == ["run-29", "run-0"]


def test_the_scheduler_stops_while_it_sleeps(build: Any) -> None:
    scheduler = _scheduler(build())
    thread = threading.Thread(target=scheduler.run)
    thread.start()
    scheduler.stop()
    thread.join(timeout=5)
    assert not thread.is_alive()
