"""Reminders on SQLite and PostgreSQL: once per breach under concurrency, and from a real RQ worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

from callcenter.bootstrap import Services
from callcenter.domain.sla import reminder_job_id
from callcenter.jobs import runtime, sla_tasks
from callcenter.jobs.worker import WorkerProcess
from callcenter.services.clock import FixedClock, SystemClock
from tests.integration.sla_support import (  # noqa: F401
    DUE,
    add_staff,
    ask,
    build_sla_services,
    closures_file,
    count,
    kinds,
    world,
)


def _all_at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; return their results (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait(timeout=10)
        try:
            results[index] = calls[index]()
        except Exception as exc:  # reported by the assertion below, with the others
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def test_two_sweeps_and_the_job_remind_a_breach_exactly_once(world: Services) -> None:
    staff = add_staff(world)
    number = ask(world, staff)
    world.clock.set(DUE + timedelta(minutes=1))
    runtime.set_services(world)  # the job task finds the worker's services here
    try:
        results = _all_at_once(world.sla.sweep, world.sla.sweep,
                               lambda: sla_tasks.send_overdue_reminder(number, DUE.isoformat()))
    finally:
        runtime.set_services(None)
    assert not [r for r in results if isinstance(r, Exception)], results
    outcomes = [r.outcome.value for sweep in results[:2] for r in sweep.reminders] + [results[2]]
    assert outcomes.count("reminded") == 1, outcomes  # the others found it reminded (or not yet seen)
    assert kinds(world, number).count("reminder") == 1 and count(world, "reminder_breaches") == 1
    mails = world.outbox.list_messages()
    assert sorted(m.email.to_address for m in mails) == ["anna@mi-is.be", "cora@mi-is.be"]
    languages = {m.email.to_address: m.email.language for m in mails}
    assert languages == {"anna@mi-is.be": "fr", "cora@mi-is.be": "nl"}
    assert world.sla.sweep().reminders == ()


def test_a_delay_notice_moves_the_breach_to_the_new_due_time(world: Services) -> None:
    staff = add_staff(world)
    number = ask(world, staff, channel="email")
    new_due = DUE + timedelta(days=2)
    world.clock.set(DUE - timedelta(hours=2))
    world.workflows.notify_delay(number, new_due, "Nous attendons l'avis du CPAS.", by=staff.agent)
    world.clock.set(DUE + timedelta(hours=1))
    assert world.sla.sweep().reminders == ()
    assert world.sla.remind(number, DUE).outcome.value == "due_changed"
    world.clock.set(new_due + timedelta(minutes=1))
    [reminded] = world.sla.sweep().reminders
    assert (reminded.registration_number, reminded.due_at, reminded.outcome.value) == (number, new_due,
                                                                                       "reminded")
    assert world.sla.sweep().reminders == ()
    [reminder] = [e for e in world.questions.history(number) if e.kind.value == "reminder"]
    assert reminder.data["due"] == new_due.isoformat() and count(world, "reminder_breaches") == 1


@pytest.mark.redis
def test_a_real_worker_runs_the_reminder_scheduled_at_the_new_due_time(
        make_settings: Any, database_url: str, redis_url: str, closures_file: Any) -> None:
    settings = make_settings(database_url=database_url, redis_url=redis_url, closures_file=closures_file,
                             smtp_port=9, smtp_timeout_s=1.0)  # mail fails fast and stays queued
    services = build_sla_services(settings, SystemClock())
    try:
        staff = add_staff(services)
        number = ask(services, staff, channel="phone", received_at=datetime.now(UTC) - timedelta(days=20))
        new_due = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
        services.workflows.notify_delay(number, new_due, "Attente du dossier.", by=staff.agent)
        job_id = reminder_job_id(number, new_due)
        registry = ScheduledJobRegistry(queue=Queue("default", connection=services.redis))
        assert job_id in registry.get_job_ids()  # scheduled at the new due time, not run yet
        time.sleep(max(0.0, (new_due - datetime.now(UTC)).total_seconds()) + 0.5)

        WorkerProcess(lambda: build_sla_services(settings, SystemClock()), burst=True).run()

        job = Job.fetch(job_id, connection=services.redis)
        assert job.get_status() == JobStatus.FINISHED and job.return_value() == "reminded"
        [reminder] = [e for e in services.questions.history(number) if e.kind.value == "reminder"]
        assert reminder.data["due"] == new_due.isoformat()
        assert reminder.data["recipients"] == [staff.agent, staff.coordinator]
        assert services.sla.remind(number, new_due).outcome.value == "already_reminded"
    finally:
        services.close()


def test_a_breach_before_its_time_is_not_reminded(world: Services) -> None:
    staff = add_staff(world)
    number = ask(world, staff)
    assert isinstance(world.clock, FixedClock)
    assert world.sla.remind(number, DUE).outcome.value == "not_due_yet"
    assert kinds(world, number) == ["registered"] and count(world, "reminder_breaches") == 0
