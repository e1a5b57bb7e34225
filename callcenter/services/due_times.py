"""Recompute the due times of open questions when the rules they were computed on change.

Next year's bridge days come late: once operators add them to the closures file, questions already
registered must get the due times the new calendar gives. Several workers may notice the change at
once; a marker row holding the fingerprint of the applied rules lets exactly one of them do the work.
A due time announced by a delay notice is an explicit promise to the citizen and is left alone. Each
moved due time is a change of the question: subscribed systems get question.updated, in the same
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from callcenter.domain.calendar import OfficeCalendar
from callcenter.domain.questions import EventKind, Question, QuestionEvent
from callcenter.domain.sla import CLOSURES_MARKER, deadline_rules_fingerprint
from callcenter.domain.webhooks import QUESTION_UPDATED, OutboundEvent
from callcenter.services.crm_ports import iso
from callcenter.services.ports import Clock
from callcenter.services.question_webhooks import question_changed
from callcenter.services.sla_ports import ClosureCalendar, ReminderScheduler, SlaUnitOfWork, SlaUowFactory
from callcenter.services.webhook_ports import NO_OUTBOUND_EVENTS, OutboundEvents

CAUSE = "deadline_rules_changed"


@dataclass(frozen=True)
class DueChange:
    registration_number: str
    previous_due: datetime
    due: datetime


@dataclass(frozen=True)
class RecomputeReport:
    fingerprint: str  # of the rules (closures, holiday options, tracks, hours) now in force
    applied: bool  # False: these rules were already applied, by this process or another one
    examined: int  # open questions looked at
    changed: tuple[DueChange, ...]


@dataclass(frozen=True)
class _Moved:
    """One question whose due time was recomputed: before and after, and the history line written."""

    before: Question
    after: Question
    line: QuestionEvent

    @property
    def change(self) -> DueChange:
        return DueChange(self.after.registration_number, self.before.due_at, self.after.due_at)


class DueTimeRecomputer:
    def __init__(self, uow: SlaUowFactory, clock: Clock, calendar: ClosureCalendar,
                 reminders: ReminderScheduler, outbound: OutboundEvents = NO_OUTBOUND_EVENTS) -> None:
        self._uow = uow
        self._clock = clock
        self._calendar = calendar
        self._reminders = reminders
        self._outbound = outbound  # tells subscribed systems of each moved due time, in the transaction

    def recompute_due(self, *, force: bool = False) -> RecomputeReport:
        """Reload the closures; if the rules differ from the last applied ones (or ``force``), recompute."""
        self._calendar.reload_if_changed()
        calendar = self._calendar.calendar
        fingerprint = deadline_rules_fingerprint(calendar)
        now = self._clock.now()
        with self._uow() as uow:
            # One transaction with the marker: should it fail half-way, the next run does it all again.
            if not uow.sla.set_marker(CLOSURES_MARKER, fingerprint, now) and not force:
                return RecomputeReport(fingerprint, False, 0, ())
            numbers = uow.sla.open_question_numbers()
            moved = [m for n in numbers if (m := _recompute(uow, n, calendar, now)) is not None]
            # One look at the subscriptions for the whole run; payloads are built only if someone listens.
            self._outbound.emit_if_wanted(uow, (QUESTION_UPDATED,), lambda: _events(moved))
            uow.commit()
        changed = [m.change for m in moved]
        for change in changed:
            self._reminders.schedule_reminder(change.registration_number, change.due)
        return RecomputeReport(fingerprint, True, len(numbers), tuple(changed))


def _events(moved: list[_Moved]) -> list[OutboundEvent]:
    """Return the question.updated event of each moved due time (as QuestionChanges would send it)."""
    return [event for m in moved for event in question_changed(m.before, m.after, [m.line])]


def _recompute(uow: SlaUnitOfWork, number: str, calendar: OfficeCalendar, now: datetime) -> _Moved | None:
    """Give one open question the due time of ``calendar`` unless a delay notice set it; log the change."""
    question = uow.questions.by_number(number, for_update=True)
    if question is None or not question.is_open:
        return None
    if uow.sla.announced_by_delay_notice(question.id, question.due_at):
        return None
    due = calendar.deadline(question.received_at, question.track.value).due.astimezone(UTC)
    if due == question.due_at:
        return None
    updated = replace(question, due_at=due)
    uow.questions.save(updated)
    data = {"from": iso(question.due_at), "to": iso(due), "reason": "The office closures changed.",
            "cause": CAUSE}
    line = uow.questions.append_event(question.id, QuestionEvent(EventKind.DUE_CHANGED, now, None, data))
    return _Moved(question, updated, line)
