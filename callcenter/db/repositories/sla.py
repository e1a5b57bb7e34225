"""The service-commitment repository (``uow.sla``): breaches, delay notices, call-back tasks, markers."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from callcenter.db.models.sla import CallbackTaskRow, DelayNoticeRow
from callcenter.db.queries import sla as q
from callcenter.domain.questions import OPEN_STATUSES
from callcenter.domain.sla import CallbackTask, DelayNotice, DueRef, NoticeRoute

_OPEN = sorted(s.value for s in OPEN_STATUSES)


class SlaRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def claim_breach(self, question_id: int, due_at: datetime, at: datetime) -> bool:
        return q.insert_breach_unless_reminded(self._session, question_id, due_at, at)

    def question_id(self, registration_number: str) -> int | None:
        return q.question_id_by_number(self._session, registration_number)

    def breached_not_reminded(self, now: datetime, limit: int) -> list[DueRef]:
        return [DueRef(*row) for row in q.breached_questions_not_reminded(self._session, now, _OPEN, limit)]

    def due_between(self, after: datetime, until: datetime, limit: int) -> list[DueRef]:
        return [DueRef(*row) for row in q.questions_due_between(self._session, after, until, _OPEN, limit)]

    def open_question_numbers(self) -> list[str]:
        return q.question_numbers_in(self._session, _OPEN)

    def announced_by_delay_notice(self, question_id: int, due_at: datetime) -> bool:
        return q.delay_notice_announced(self._session, question_id, due_at)

    def add_delay_notice(self, notice: DelayNotice) -> DelayNotice:
        row = DelayNoticeRow(
            question_id=notice.question_id, due_at=notice.due_at, previous_due_at=notice.previous_due_at,
            reason=notice.reason, route=notice.route.value, user_id=notice.user_id,
            created_at=notice.created_at, outbox_message_id=notice.outbox_message_id,
            callback_task_id=notice.callback_task_id)
        self._session.add(row)
        self._session.flush()
        return replace(notice, id=row.id)

    def delay_notices_of(self, question_id: int) -> list[DelayNotice]:
        return [to_delay_notice(row) for row in q.delay_notices_of_question(self._session, question_id)]

    def add_callback_task(self, task: CallbackTask) -> CallbackTask:
        row = CallbackTaskRow(
            question_id=task.question_id, registration_number=task.registration_number,
            assignee_user_id=task.assignee_user_id, purpose=task.purpose, due_at=task.due_at,
            created_at=task.created_at, created_by=task.created_by, done_at=task.done_at,
            done_by=task.done_by, note=task.note)
        self._session.add(row)
        self._session.flush()
        return to_callback_task(row)

    def callback_task(self, task_id: int) -> CallbackTask | None:
        row = q.callback_task_by_id(self._session, task_id)
        return None if row is None else to_callback_task(row)

    def complete_callback_task(self, task_id: int, at: datetime, by: int | None, note: str | None) -> bool:
        return q.mark_callback_task_done(self._session, task_id, at, by, note)

    def callback_tasks_of(self, question_id: int) -> list[CallbackTask]:
        return [to_callback_task(row) for row in q.callback_tasks_of_question(self._session, question_id)]

    def open_callback_tasks(self, assignee_user_id: int) -> list[CallbackTask]:
        return [to_callback_task(row) for row in q.open_callback_tasks_of(self._session, assignee_user_id)]

    def set_marker(self, name: str, value: str, at: datetime) -> bool:
        return q.set_marker_unless_equal(self._session, name, value, at)


def to_delay_notice(row: DelayNoticeRow) -> DelayNotice:
    return DelayNotice(
        id=row.id, question_id=row.question_id, due_at=row.due_at, previous_due_at=row.previous_due_at,
        reason=row.reason, route=NoticeRoute(row.route), user_id=row.user_id, created_at=row.created_at,
        outbox_message_id=row.outbox_message_id, callback_task_id=row.callback_task_id)


def to_callback_task(row: CallbackTaskRow) -> CallbackTask:
    return CallbackTask(
        id=row.id, question_id=row.question_id, registration_number=row.registration_number,
        assignee_user_id=row.assignee_user_id, purpose=row.purpose, due_at=row.due_at,
        created_at=row.created_at, created_by=row.created_by, done_at=row.done_at, done_by=row.done_by,
        note=row.note)
