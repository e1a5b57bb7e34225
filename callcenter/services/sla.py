"""Reminders ("réaction") when a question passes its due time unanswered; the sweep that backs them up.

Each breach (question, due time) is reminded exactly once: an RQ job scheduled at the due time and the
periodic sweep may both try, and the unique breach row decides. Recomputing due times after a closures
edit lives in callcenter.services.due_times; the sweep runs it first and schedules what it moved.
A reminder writes a line in the question's history, so subscribed systems get question.updated with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from callcenter.domain.identity import User
from callcenter.domain.notice_texts import reminder_text
from callcenter.domain.outbox import OutboxMessage, OutgoingEmail
from callcenter.domain.questions import EventKind, Question, QuestionEvent
from callcenter.domain.registration import parse_registration_number
from callcenter.domain.sla import REMINDER_TASK, DueRef, ReminderOutcome, reminder_job_id, reminder_recipients
from callcenter.domain.validation import aware_datetime
from callcenter.services.crm_ports import iso
from callcenter.services.due_times import DueTimeRecomputer, RecomputeReport
from callcenter.services.ports import Clock, JobQueue
from callcenter.services.question_webhooks import question_changed
from callcenter.services.sla_ports import ClosureCalendar, MailOutbox, SlaUnitOfWork, SlaUowFactory
from callcenter.services.webhook_ports import NO_OUTBOUND_EVENTS, OutboundEvents

log = logging.getLogger(__name__)

# The sweep runs every 5 minutes (callcenter.jobs.periodic); scheduling what falls due in the next 15
# minutes gives every due time an exact-time job even when it was set by a path that schedules nothing.
LOOKAHEAD = timedelta(minutes=15)
BATCH = 500  # breaches reminded per sweep; the rest wait for the next one
REMINDER_KIND = "sla_reminder"


@dataclass(frozen=True)
class ReminderResult:
    registration_number: str
    due_at: datetime
    outcome: ReminderOutcome
    recipients: tuple[int, ...] = ()


@dataclass(frozen=True)
class SweepReport:
    at: datetime
    recompute: RecomputeReport
    reminders: tuple[ReminderResult, ...]
    scheduled: int


class SlaService:
    def __init__(self, uow: SlaUowFactory, clock: Clock, calendar: ClosureCalendar, outbox: MailOutbox,
                 job_queue: JobQueue | None, tz: tzinfo, *, lookahead: timedelta = LOOKAHEAD,
                 batch: int = BATCH, outbound: OutboundEvents = NO_OUTBOUND_EVENTS) -> None:
        self._uow = uow
        self._clock = clock
        self._recomputer = DueTimeRecomputer(uow, clock, calendar, self, outbound)
        self._outbound = outbound  # tells subscribed systems of each reminder, in its transaction
        self._outbox = outbox
        self._jobs = job_queue
        self._tz = tz
        self._lookahead = lookahead
        self._batch = batch

    def remind(self, registration_number: str, due: datetime) -> ReminderResult:
        """Remind the owner and the coordinators of one breach, unless it was reminded or is gone."""
        number = str(parse_registration_number(registration_number))
        due = aware_datetime(due, "due").astimezone(UTC)
        now = self._clock.now()
        if due > now:
            return ReminderResult(number, due, ReminderOutcome.NOT_DUE_YET)
        with self._uow() as uow:
            question_id = uow.sla.question_id(number)
            if question_id is None:
                return ReminderResult(number, due, ReminderOutcome.NO_SUCH_QUESTION)
            if not uow.sla.claim_breach(question_id, due, now):
                return ReminderResult(number, due, ReminderOutcome.ALREADY_REMINDED)
            # Read (and lock) only after the claim: inside the write transaction this sees any answer or
            # delay notice committed meanwhile; leaving without commit gives the claim back.
            question = uow.questions.by_number(number, for_update=True)
            assert question is not None, "questions are never deleted"
            gone = _not_breached(question, due)
            if gone is not None:
                return ReminderResult(number, due, gone)
            recipients, messages = self._send(uow, question, due, now)
            uow.commit()
        self._outbox.enqueue_delivery(*messages)
        return ReminderResult(number, due, ReminderOutcome.REMINDED, tuple(u.id for u in recipients))

    def sweep(self) -> SweepReport:
        """Recompute due times if the closures changed, remind missed breaches, schedule the next ones."""
        recompute = self.recompute_due()
        now = self._clock.now()
        with self._uow() as uow:
            breached = uow.sla.breached_not_reminded(now, self._batch)
        reminders = tuple(self._remind_safely(ref) for ref in breached)
        return SweepReport(now, recompute, reminders, self._schedule_upcoming(now))

    def recompute_due(self, *, force: bool = False) -> RecomputeReport:
        """Recompute open questions' due times if the closures changed since last applied (or ``force``)."""
        return self._recomputer.recompute_due(force=force)

    def schedule_reminder(self, registration_number: str, due: datetime) -> None:
        """Ask a worker to remind this breach at ``due`` (now if passed); idempotent; call after commit."""
        if self._jobs is None:
            return
        at = due if due > self._clock.now() else None
        try:
            self._jobs.enqueue(REMINDER_TASK, registration_number, due.astimezone(UTC).isoformat(),
                               job_id=reminder_job_id(registration_number, due), at=at)
        except Exception:  # the due time is committed: the periodic sweep still reminds it
            log.warning("could not schedule the reminder of %s due %s", registration_number, due,
                        exc_info=True)

    def _send(self, uow: SlaUnitOfWork, question: Question, due: datetime,
              now: datetime) -> tuple[list[User], list[OutboxMessage]]:
        owner = uow.users.by_id(question.owner_user_id) if question.owner_user_id else None
        recipients = reminder_recipients(owner, uow.users.all())
        owner_name = owner.display_name if owner else (f"#{question.owner_user_id}"
                                                       if question.owner_user_id else None)
        messages = [self._outbox.add_to(uow, self._mail(question, u, owner_name, due)) for u in recipients]
        if not recipients:
            log.warning("question %s is overdue but has no active owner or coordinator to remind",
                        question.registration_number)
        data = {"due": iso(due), "recipients": [u.id for u in recipients],
                "outbox_message_ids": [m.id for m in messages]}
        line = uow.questions.append_event(question.id, QuestionEvent(EventKind.REMINDER, now, None, data))
        self._outbound.emit(uow, question_changed(question, question, [line]))
        return recipients, messages

    def _mail(self, question: Question, user: User, owner_name: str | None, due: datetime) -> OutgoingEmail:
        text = reminder_text(user.language, name=user.display_name,
                             registration_number=question.registration_number,
                             about=question.subject or question.topic_code or "",
                             due_local=due.astimezone(self._tz), owner=owner_name,
                             status=question.status.value)
        return OutgoingEmail(kind=REMINDER_KIND, to_address=user.email, subject=text.subject,
                             body_text=text.body, language=user.language, question_id=question.id,
                             registration_number=question.registration_number)

    def _remind_safely(self, ref: DueRef) -> ReminderResult:
        try:
            return self.remind(ref.registration_number, ref.due_at)
        except Exception:  # one broken question must not hold the others back
            log.exception("reminder of %s due %s failed", ref.registration_number, ref.due_at)
            return ReminderResult(ref.registration_number, ref.due_at, ReminderOutcome.FAILED)

    def _schedule_upcoming(self, now: datetime) -> int:
        if self._jobs is None:
            return 0
        with self._uow() as uow:
            upcoming = uow.sla.due_between(now, now + self._lookahead, self._batch)
        for ref in upcoming:
            self.schedule_reminder(ref.registration_number, ref.due_at)
        return len(upcoming)


def _not_breached(question: Question, due: datetime) -> ReminderOutcome | None:
    """Say why a claimed breach needs no reminder after all, or None if it does."""
    if not question.is_open:
        return ReminderOutcome.NOT_OPEN
    if question.due_at != due:
        return ReminderOutcome.DUE_CHANGED
    return None
