"""JSON-ready views of the service-commitment results, shared by the CLI and the REST API."""

from __future__ import annotations

from datetime import tzinfo

from callcenter.domain.agenda import ExpertAvailability
from callcenter.domain.sla import CallbackTask, DelayNotice
from callcenter.services.crm_ports import JsonDict, iso
from callcenter.services.crm_views import question_dict
from callcenter.services.delay_notices import DelayNoticeResult
from callcenter.services.due_times import RecomputeReport
from callcenter.services.sla import ReminderResult, SweepReport


def candidate_dict(expert: ExpertAvailability, tz: tzinfo) -> JsonDict:
    """Render a proposed expert with the free spans of the rest of the day in office time."""
    a = expert.availability
    return {
        "user_id": expert.user_id, "username": expert.username, "display_name": expert.display_name,
        "available_now": a.available_now,
        "next_free_at": a.next_free_at.astimezone(tz).isoformat() if a.next_free_at else None,
        "free_today": [[span.start.astimezone(tz).isoformat(), span.end.astimezone(tz).isoformat()]
                       for span in a.free_today],
    }


def callback_task_dict(task: CallbackTask) -> JsonDict:
    return {
        "id": task.id, "registration_number": task.registration_number, "purpose": task.purpose,
        "assignee_user_id": task.assignee_user_id, "due": iso(task.due_at),
        "created_at": iso(task.created_at), "created_by": task.created_by, "done": task.is_done,
        "done_at": iso(task.done_at), "done_by": task.done_by, "note": task.note,
    }


def delay_notice_dict(notice: DelayNotice) -> JsonDict:
    return {
        "id": notice.id, "due": iso(notice.due_at), "previous_due": iso(notice.previous_due_at),
        "reason": notice.reason, "route": notice.route.value, "by": notice.user_id,
        "at": iso(notice.created_at), "outbox_message_id": notice.outbox_message_id,
        "callback_task_id": notice.callback_task_id,
    }


def delay_notice_result_dict(result: DelayNoticeResult) -> JsonDict:
    return {
        "question": question_dict(result.question), "notice": delay_notice_dict(result.notice),
        "outbox_message_id": result.outbox_message.id if result.outbox_message else None,
        "callback_task": callback_task_dict(result.callback_task) if result.callback_task else None,
    }


def reminder_dict(result: ReminderResult) -> JsonDict:
    return {"registration_number": result.registration_number, "due": iso(result.due_at),
            "outcome": result.outcome.value, "recipients": list(result.recipients)}


def recompute_dict(report: RecomputeReport) -> JsonDict:
    return {
        "fingerprint": report.fingerprint, "applied": report.applied, "examined": report.examined,
        "changed": [{"registration_number": c.registration_number, "from": iso(c.previous_due),
                     "to": iso(c.due)} for c in report.changed],
    }


def sweep_dict(report: SweepReport) -> JsonDict:
    return {"at": iso(report.at), "due_times": recompute_dict(report.recompute),
            "reminders": [reminder_dict(r) for r in report.reminders], "scheduled": report.scheduled}
