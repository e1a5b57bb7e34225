"""Transfers, delay notices, complaints and due recomputation on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from callcenter.bootstrap import Services
from callcenter.cli import main
from callcenter.domain.questions import QuestionNotOpen, Status
from callcenter.domain.sla import NotAnExpert, NotCompetent
from tests.integration.sla_support import DUE, T0, add_staff, ask, closures_file, count, kinds, world  # noqa: F401

BRIDGE_DAY = """
[[closure]]
date = 2026-11-30
fr = "Jour de pont"
nl = "Brugdag"
de = "Brückentag"
en = "Bridge day"
"""


def test_transfer_proposes_competent_available_experts_and_hands_over(world: Services) -> None:
    staff = add_staff(world)
    world.agendas.add_entry("eva", "absence", T0 - timedelta(hours=9), T0 + timedelta(hours=14), "Congé")
    number = ask(world, staff)
    candidates = world.workflows.transfer_candidates(number)
    assert [(e.user_id, e.availability.available_now) for e in candidates] == [(staff.expert, True)]
    question = world.workflows.transfer(number, staff.expert, by=staff.agent, note="Question RIS pointue")
    assert (question.status, question.owner_user_id) == (Status.TRANSFERRED, staff.expert)
    assert kinds(world, number)[-2:] == ["status_changed", "owner_changed"]
    owner = world.questions.history(number)[-1]
    assert owner.by == staff.agent and owner.data["to"] == staff.expert and owner.data["competent"] is True
    world.questions.mark_answered(number, "back", by=staff.expert)
    closed = world.questions.close(number, by=staff.expert)
    assert closed.status is Status.CLOSED and closed.answered_by_tier is not None
    assert closed.answered_by_tier.value == "back"


def test_transfer_refuses_non_experts_and_non_competent_experts_unless_forced(world: Services) -> None:
    staff = add_staff(world)
    number = ask(world, staff)
    with pytest.raises(NotAnExpert):
        world.workflows.transfer(number, staff.competent_agent, by=staff.agent, force=True)
    with pytest.raises(NotCompetent) as refused:
        world.workflows.transfer(number, staff.other_expert, by=staff.agent)
    assert refused.value.code == "not-competent" and kinds(world, number) == ["registered"]
    forced = world.workflows.transfer(number, staff.other_expert, by=staff.agent, force=True)
    assert forced.owner_user_id == staff.other_expert
    assert world.questions.history(number)[-1].data["forced"] is True


def test_a_delay_notice_by_mail_queues_the_notice_in_the_citizens_language(world: Services) -> None:
    staff = add_staff(world)
    number = ask(world, staff, channel="letter", language="nl")
    new_due = datetime(2026, 12, 4, 15, 0, tzinfo=T0.tzinfo)
    result = world.workflows.notify_delay(number, new_due, "Wij wachten op het advies van het OCMW.",
                                          by=staff.agent)
    assert (result.question.status, result.question.due_at) == (Status.DELAYED, new_due)
    [message] = world.outbox.list_messages()
    assert (message.id, message.email.kind, message.email.language) == (
        result.outbox_message.id if result.outbox_message else None, "delay_notice", "nl")
    assert message.email.to_address == "anne@example.be" and message.email.registration_number == number
    assert "Wij wachten op het advies van het OCMW." in message.email.body_text
    assert "vrijdag 4 december 2026" in message.email.body_text
    assert kinds(world, number)[-3:] == ["status_changed", "due_changed", "notice_sent"]
    [notice] = world.workflows.delay_notices(number)
    assert (notice.due_at, notice.previous_due_at, notice.route.value) == (new_due, DUE, "email")


def test_a_delay_notice_by_phone_gives_the_owner_a_call_back_task(world: Services) -> None:
    staff = add_staff(world)
    number = ask(world, staff, channel="phone")
    result = world.workflows.notify_delay(number, DUE + timedelta(days=3), "Dossier incomplet.",
                                          by=staff.agent)
    assert result.outbox_message is None and count(world, "outbox_messages") == 0
    [task] = world.workflows.callback_tasks(number)
    assert (task.assignee_user_id, task.due_at, task.done_at) == (staff.agent, DUE, None)
    assert world.workflows.open_callback_tasks(staff.agent) == [task]
    due_event = world.questions.history(number)[-1]
    assert due_event.kind.value == "due_changed" and due_event.data["callback_task_id"] == task.id
    done = world.workflows.complete_callback(task.id, by=staff.agent, note="Citoyenne prévenue.")
    assert done.done_by == staff.agent and world.workflows.open_callback_tasks(staff.agent) == []
    assert kinds(world, number)[-1] == "notice_sent"


def test_an_answered_question_gets_no_delay_notice(world: Services) -> None:
    staff = add_staff(world)
    number = ask(world, staff)
    world.questions.mark_answered(number, "front", by=staff.agent)
    with pytest.raises(QuestionNotOpen):
        world.workflows.notify_delay(number, DUE + timedelta(days=3), "Trop tard.", by=staff.agent)
    assert count(world, "delay_notices") == 0 and count(world, "callback_tasks") == 0


def test_a_complaint_goes_to_the_coordinator(world: Services) -> None:
    staff = add_staff(world)
    number = ask(world, staff, channel="email", type="complaint")
    question = world.questions.get(number)
    assert question.owner_user_id == staff.coordinator
    [registered] = world.questions.history(number)
    assert registered.data["type"] == "complaint" and registered.data["owner_user_id"] == staff.coordinator


def test_due_times_follow_a_closures_edit_once(world: Services, closures_file: Path) -> None:
    staff = add_staff(world)
    assert world.sla.recompute_due().applied is True  # the rules the questions are registered with
    plain, noticed = ask(world, staff), ask(world, staff)
    world.workflows.notify_delay(noticed, DUE + timedelta(hours=1), "Attente du CPAS.", by=staff.agent)
    _edit(closures_file, BRIDGE_DAY)
    report = world.sla.recompute_due()
    assert report.applied and [c.registration_number for c in report.changed] == [plain]
    assert world.questions.get(plain).due_at == DUE + timedelta(days=1)  # Tuesday 1 December, 16:30
    event = world.questions.history(plain)[-1]
    assert event.kind.value == "due_changed" and event.by == "system"
    assert (event.data["from"], event.data["to"]) == (DUE.isoformat(), (DUE + timedelta(days=1)).isoformat())
    assert world.sla.recompute_due().applied is False
    assert kinds(world, plain).count("due_changed") == 1
    assert world.questions.get(noticed).due_at == DUE + timedelta(hours=1)  # the promise to the citizen


def test_the_commands_recompute_once_and_sweep(world: Services, closures_file: Path, database_url: str,
                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    staff = add_staff(world)
    number = ask(world, staff, received_at=T0 - timedelta(days=400))  # overdue by the commands' real clock
    for name, value in {"CALLCENTER_DATABASE_URL": database_url, "CALLCENTER_DATA_DIR": str(tmp_path / "var"),
                        "CALLCENTER_CLOSURES_FILE": str(closures_file)}.items():
        monkeypatch.setenv(name, value)
    first = _run(capsys, "sla", "recompute-due")
    _edit(closures_file, BRIDGE_DAY)
    second = _run(capsys, "sla", "recompute-due")
    third = _run(capsys, "sla", "recompute-due")
    assert (first["applied"], second["applied"], third["applied"]) == (True, True, False)
    assert second["fingerprint"] != first["fingerprint"] and third["changed"] == []
    sweep = _run(capsys, "sla", "sweep")
    assert [(r["registration_number"], r["outcome"]) for r in sweep["reminders"]] == [(number, "reminded")]
    assert sweep["due_times"]["applied"] is False and sweep["scheduled"] == 0  # no Redis: no jobs
    assert _run(capsys, "sla", "sweep")["reminders"] == []
    assert kinds(world, number).count("reminder") == 1


def _edit(path: Path, content: str) -> None:
    """Rewrite the closures file so that its size and modification time both change."""
    path.write_text(path.read_text(encoding="utf-8") + content, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)
