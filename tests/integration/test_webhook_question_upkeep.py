"""The system's own changes of a question tell subscribed systems too, on SQLite and PostgreSQL: due times
recomputed after a closures edit, overdue reminders, a call-back reported done. Each is question.updated
with the question as it now is and the history line written, valid against the published schema, stored
in the change's transaction and sent by a delivery to a real receiver on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from callcenter.bootstrap import Services
from callcenter.domain.sla import CallbackTaskDone
from callcenter.domain.webhooks import DELIVERED
from callcenter.services.clock import FixedClock
from callcenter.services.webhook_emitter import DeliveryJobs
from callcenter.services.webhook_subscriptions import NewSubscription
from tests.integration.api_support import RecordingJobQueue
from tests.integration.sla_support import (
    DUE,
    T0,
    Staff,
    add_staff,
    ask,
    build_sla_services,
    kinds,
)
from tests.integration.webhook_support import Receiver, check_event, receiver_fixture  # noqa: F401

QUESTIONS = ("question.created", "question.updated", "question.closed")
BRIDGE_DAY = """
[[closure]]
date = 2026-11-30
fr = "Jour de pont"
nl = "Brugdag"
de = "Brückentag"
en = "Bridge day"
"""


@pytest.fixture
def closures(tmp_path: Path) -> Path:
    path = tmp_path / "closures.toml"
    path.write_text("# no operator closures yet\n", encoding="utf-8")
    return path


@pytest.fixture
def hooked(make_settings: Any, database_url: str,
           closures: Path) -> Iterator[tuple[Services, RecordingJobQueue]]:
    """Services without Redis at T0 on an editable closures file, recording the delivery jobs."""
    jobs = RecordingJobQueue()
    settings = make_settings(database_url=database_url, closures_file=closures, webhook_timeout_s=2.0)
    built = build_sla_services(settings, FixedClock(T0), no_redis=True, webhook_jobs=DeliveryJobs(jobs))
    yield built, jobs
    built.close()


def subscribe(services: Services, receiver: Receiver, events: tuple[str, ...] = QUESTIONS) -> int:
    return services.webhook_subscriptions.add(NewSubscription(receiver.url, events))[0].id


def deliver_pending(services: Services, jobs: RecordingJobQueue, receiver: Receiver) -> list[dict[str, Any]]:
    """Make every delivery whose job was enqueued since the last call; return the bodies received."""
    first = len(receiver.received)
    for _, (delivery_id,), _ in jobs.jobs:
        delivery = services.webhook_delivery.deliver(delivery_id)
        assert delivery is not None and delivery.status == DELIVERED
    jobs.jobs.clear()
    return [check_event(r.json) for r in receiver.received[first:]]


def edit_closures(path: Path, content: str) -> None:
    """Rewrite the closures file so that its size and modification time both change."""
    path.write_text(path.read_text(encoding="utf-8") + content, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_a_due_time_recomputed_after_a_closures_edit_is_told(
        hooked: tuple[Services, RecordingJobQueue], receiver: Receiver, closures: Path) -> None:
    services, jobs = hooked
    staff = add_staff(services)
    assert services.sla.recompute_due().applied is True  # the rules the questions are registered with
    plain, noticed = ask(services, staff), ask(services, staff)
    services.workflows.notify_delay(noticed, DUE + timedelta(hours=1), "Attente du CPAS.", by=staff.agent)
    subscribe(services, receiver)
    closed_only = subscribe(services, receiver, ("question.closed",))

    edit_closures(closures, BRIDGE_DAY)
    report = services.sla.recompute_due()
    assert [c.registration_number for c in report.changed] == [plain]

    [body] = deliver_pending(services, jobs, receiver)
    moved = DUE + timedelta(days=1)  # Tuesday 1 December, 16:30 in Brussels
    assert body["type"] == "question.updated"
    question, [line] = body["data"]["question"], body["data"]["changes"]
    assert question["registration_number"] == plain and question["due_at"] == moved.isoformat()
    assert question["status"] == "registered"
    assert (line["kind"], line["by"]) == ("due_changed", "system")
    assert (line["data"]["from"], line["data"]["to"]) == (DUE.isoformat(), moved.isoformat())
    assert line["data"]["cause"] == "deadline_rules_changed"
    assert services.webhook_subscriptions.deliveries(closed_only) == []  # nobody asked it for updates

    assert services.sla.recompute_due().applied is False  # the same rules again: nothing moves
    assert services.sla.recompute_due(force=True).changed == ()
    assert deliver_pending(services, jobs, receiver) == []


def test_an_overdue_reminder_is_told(hooked: tuple[Services, RecordingJobQueue], receiver: Receiver) -> None:
    services, jobs = hooked
    staff = add_staff(services)
    number = ask(services, staff)
    subscribe(services, receiver)
    services.clock.set(DUE + timedelta(minutes=1))

    [reminded] = services.sla.sweep().reminders  # the sweep reminds through remind()
    assert reminded.outcome.value == "reminded"
    [body] = deliver_pending(services, jobs, receiver)
    assert body["type"] == "question.updated"
    question, [line] = body["data"]["question"], body["data"]["changes"]
    assert (question["registration_number"], question["status"]) == (number, "registered")
    assert question["due_at"] == DUE.isoformat()
    assert (line["kind"], line["by"]) == ("reminder", "system")
    assert line["data"]["due"] == DUE.isoformat()
    assert line["data"]["recipients"] == [staff.agent, staff.coordinator]

    assert services.sla.remind(number, DUE).outcome.value == "already_reminded"
    assert services.sla.sweep().reminders == ()
    assert deliver_pending(services, jobs, receiver) == []  # a breach is told once, as it is reminded once


def test_a_call_back_reported_done_is_told(hooked: tuple[Services, RecordingJobQueue],
                                           receiver: Receiver) -> None:
    services, jobs = hooked
    staff: Staff = add_staff(services)
    number = ask(services, staff, channel="phone")
    subscribe(services, receiver)
    new_due = DUE + timedelta(days=3)
    services.workflows.notify_delay(number, new_due, "Dossier incomplet.", by=staff.agent)
    [delayed] = deliver_pending(services, jobs, receiver)
    assert [c["kind"] for c in delayed["data"]["changes"]] == ["status_changed", "due_changed"]

    [task] = services.workflows.callback_tasks(number)
    services.workflows.complete_callback(task.id, by=staff.agent, note="Citoyenne prévenue.")
    [body] = deliver_pending(services, jobs, receiver)
    assert body["type"] == "question.updated"
    question, [line] = body["data"]["question"], body["data"]["changes"]
    assert (question["registration_number"], question["status"]) == (number, "delayed")
    assert question["due_at"] == new_due.isoformat()
    assert (line["kind"], line["by"]) == ("notice_sent", staff.agent)
    assert line["data"] == {"notice": "delay", "route": "callback", "callback_task_id": task.id,
                            "note": "Citoyenne prévenue."}

    with pytest.raises(CallbackTaskDone):  # refused: rolled back, nothing told
        services.workflows.complete_callback(task.id, by=staff.agent)
    assert deliver_pending(services, jobs, receiver) == []
    assert kinds(services, number).count("notice_sent") == 1
