"""Delay notices: when an answer cannot be given in time, tell the citizen why and by when, and move the due.

The citizen is told by the reply channel, in the same transaction as the change: by e-mail through the
outbox (in the contact's language), or by a call-back task for the owner when the answer goes by phone.
The new date becomes the due time the next reminder watches. Every change here, the call-back done
included, tells subscribed systems (question.updated) in its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from typing import Any, cast

from callcenter.domain.contacts import Contact
from callcenter.domain.errors import InvalidInput
from callcenter.domain.notice_texts import delay_notice_text
from callcenter.domain.outbox import OutboxMessage, OutgoingEmail
from callcenter.domain.questions import (
    Actor,
    EventKind,
    NoSuchQuestion,
    Question,
    QuestionEvent,
    Status,
    actor_user_id,
    check_transition,
)
from callcenter.domain.registration import parse_registration_number
from callcenter.domain.sla import (
    CallbackTask,
    CallbackTaskDone,
    DelayNotice,
    NoSuchCallbackTask,
    NoticeRoute,
    NoWayToNotify,
    callback_due,
    check_expected_due,
    notice_route,
)
from callcenter.domain.validation import aware_datetime, optional_id, optional_text, required_text
from callcenter.services.crm_ports import CrmUnitOfWork, WorkingCalendar, iso
from callcenter.services.ports import Clock
from callcenter.services.question_changes import NOTE_MAX, QuestionChanges
from callcenter.services.question_webhooks import question_changed
from callcenter.services.sla_ports import MailOutbox, ReminderScheduler, SlaUnitOfWork, SlaUowFactory
from callcenter.services.webhook_ports import NO_OUTBOUND_EVENTS, OutboundEvents

REASON_MAX = 2000
CALLBACK_PURPOSE = "delay_notice"
DELAY_NOTICE_KIND = "delay_notice"

Changed = tuple[Question, list[QuestionEvent]]  # what a change given to QuestionChanges._change returns


@dataclass(frozen=True)
class DelayNoticeResult:
    question: Question  # now "delayed", due at the announced date
    notice: DelayNotice
    outbox_message: OutboxMessage | None  # the mail to the citizen (route email)
    callback_task: CallbackTask | None  # the call the owner must make (route callback)


@dataclass(frozen=True)
class _Told:
    route: NoticeRoute
    message: OutboxMessage | None = None
    task: CallbackTask | None = None


class DelayNotices(QuestionChanges):
    def __init__(self, uow: SlaUowFactory, clock: Clock, calendar: WorkingCalendar, outbox: MailOutbox,
                 reminders: ReminderScheduler, tz: tzinfo,
                 outbound: OutboundEvents = NO_OUTBOUND_EVENTS) -> None:
        super().__init__(uow, clock, calendar, outbound)
        self._sla_uow = uow  # the same factory, seen with the SLA repositories
        self._outbox = outbox
        self._reminders = reminders
        self._tz = tz

    def notify_delay(self, reg_no: str, new_due: datetime, reason: str, by: Actor) -> DelayNoticeResult:
        """Record why the answer is late and by when it comes; tell the citizen by the reply channel."""
        new_due = aware_datetime(new_due, "due").astimezone(UTC)
        why = required_text(reason, "reason", max_length=REASON_MAX)
        user = actor_user_id(by)
        done: list[tuple[DelayNotice, _Told]] = []

        def change(q: Question, crm_uow: CrmUnitOfWork, now: datetime) -> Changed:
            uow = cast(SlaUnitOfWork, crm_uow)  # _change opens the unit of work from our own factory
            q.ensure_open()
            if q.status is not Status.DELAYED:
                check_transition(q.status, Status.DELAYED)
            check_expected_due(q, new_due, now)
            updated = replace(q, status=Status.DELAYED, due_at=new_due)
            told = self._tell(uow, updated, why, q.due_at, user, now)
            notice = uow.sla.add_delay_notice(DelayNotice(
                0, q.id, new_due, q.due_at, why, told.route, user, now,
                told.message.id if told.message else None, told.task.id if told.task else None))
            done.append((notice, told))
            return updated, _notice_events(q, notice, told, now)

        question = self._change(reg_no, change)[0]
        notice, told = done[0]
        if told.message is not None:
            self._outbox.enqueue_delivery(told.message)
        self._reminders.schedule_reminder(question.registration_number, question.due_at)
        return DelayNoticeResult(question, notice, told.message, told.task)

    def delay_notices(self, reg_no: str) -> list[DelayNotice]:
        """List a question's delay notices, oldest first."""
        return self._of_question(reg_no, lambda uow, qid: uow.sla.delay_notices_of(qid))

    def callback_tasks(self, reg_no: str) -> list[CallbackTask]:
        """List a question's call-back tasks, done or not, oldest first."""
        return self._of_question(reg_no, lambda uow, qid: uow.sla.callback_tasks_of(qid))

    def open_callback_tasks(self, user_id: int) -> list[CallbackTask]:
        """List the call-backs a user still has to make, soonest due first."""
        assignee = optional_id(user_id, "user_id")
        if assignee is None:
            raise InvalidInput("Say whose call-backs to list.", {"user_id": "required"})
        with self._sla_uow() as uow:
            return uow.sla.open_callback_tasks(assignee)

    def complete_callback(self, task_id: int, by: Actor, note: str | None = None) -> CallbackTask:
        """Record that the citizen was called back and told of the delay; logged on the question."""
        if optional_id(task_id, "task_id") is None:
            raise InvalidInput("Say which call-back task.", {"task_id": "required"})
        user = actor_user_id(by)
        text = optional_text(note, "note", max_length=NOTE_MAX)
        now = self._clock.now()
        with self._sla_uow() as uow:
            marked = uow.sla.complete_callback_task(task_id, now, user, text)
            task = uow.sla.callback_task(task_id)  # read after the update, so it shows the outcome
            if task is None:
                raise NoSuchCallbackTask(f"There is no call-back task {task_id}.")
            if not marked:
                raise CallbackTaskDone(f"Call-back task {task_id} was already done.", {"task_id": "done"})
            # Locked so that the event shows the question as it is at the commit. After the task's row:
            # no path locks a question and then updates one of its call-back tasks, so no deadlock.
            question = uow.questions.by_number(task.registration_number, for_update=True)
            assert question is not None, "questions are never deleted"
            data = {"notice": "delay", "route": NoticeRoute.CALLBACK.value, "callback_task_id": task_id,
                    **({"note": text} if text else {})}
            event = QuestionEvent(EventKind.NOTICE_SENT, now, user, data)
            line = uow.questions.append_event(question.id, event)
            self._outbound.emit(uow, question_changed(question, question, [line]))
            uow.commit()
        return task

    def _tell(self, uow: SlaUnitOfWork, question: Question, reason: str, previous_due: datetime,
              user: int | None, now: datetime) -> _Told:
        """Queue the mail to the citizen, or give the owner a call-back task, by the reply channel."""
        contact = uow.contacts.get(question.contact_id)
        route = notice_route(question, bool(contact and contact.email), bool(contact and contact.phones))
        if route is NoticeRoute.EMAIL:
            assert contact is not None and contact.email is not None
            return _Told(route, message=self._outbox.add_to(uow, self._mail(question, contact, reason)))
        assignee = question.owner_user_id or user
        if assignee is None:
            raise NoWayToNotify("The question has no owner to call the citizen back; assign it first.",
                                {"owner_user_id": "required for a call-back"})
        task = CallbackTask(0, question.id, question.registration_number, assignee, CALLBACK_PURPOSE,
                            callback_due(previous_due, now), now, user)
        return _Told(route, task=uow.sla.add_callback_task(task))

    def _mail(self, question: Question, contact: Contact, reason: str) -> OutgoingEmail:
        language = contact.language.value
        text = delay_notice_text(language, question.registration_number, reason,
                                 question.due_at.astimezone(self._tz))
        assert contact.email is not None
        return OutgoingEmail(kind=DELAY_NOTICE_KIND, to_address=contact.email, subject=text.subject,
                             body_text=text.body, language=language, question_id=question.id,
                             registration_number=question.registration_number)

    def _of_question(self, reg_no: str, read: Callable[[SlaUnitOfWork, int], list[Any]]) -> list[Any]:
        number = str(parse_registration_number(reg_no))
        with self._sla_uow() as uow:
            question_id = uow.sla.question_id(number)
            if question_id is None:
                raise NoSuchQuestion(f"There is no question {number}.")
            return read(uow, question_id)


def _notice_events(before: Question, notice: DelayNotice, told: _Told, now: datetime) -> list[QuestionEvent]:
    """Return the history lines of a delay notice: status, due time, and the mail if one went out."""
    user = notice.user_id
    events = []
    if before.status is not Status.DELAYED:
        payload = {"from": before.status.value, "to": Status.DELAYED.value, "note": notice.reason}
        events.append(QuestionEvent(EventKind.STATUS_CHANGED, now, user, payload))
    due = {"from": iso(notice.previous_due_at), "to": iso(notice.due_at), "reason": notice.reason,
           "cause": "delay_notice", "delay_notice_id": notice.id, "route": notice.route.value}
    if told.task is not None:
        due.update(callback_task_id=told.task.id, callback_due=iso(told.task.due_at),
                   assignee_user_id=told.task.assignee_user_id)
    events.append(QuestionEvent(EventKind.DUE_CHANGED, now, user, due))
    if told.message is not None:
        # A call-back is logged as sent when the owner reports the call (complete_callback).
        sent = {"notice": "delay", "route": NoticeRoute.EMAIL.value, "outbox_message_id": told.message.id,
                "to": told.message.email.to_address, "language": told.message.email.language,
                "delay_notice_id": notice.id}
        events.append(QuestionEvent(EventKind.NOTICE_SENT, now, user, sent))
    return events
