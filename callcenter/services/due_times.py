"""Recompute the due times of open questions when the rules they were computed on change.

Next year's bridge days come late: once operators add them to the closures file, questions already
registered must get the due times the new calendar gives. Several workers may notice the change at
once; a marker row holding the fingerprint of the applied rules lets exactly one of them do the work.
A due time announced by a delay notice is an explicit promise to the citizen and is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from callcenter.domain.calendar import OfficeCalendar
from callcenter.domain.questions import EventKind, QuestionEvent
from callcenter.domain.sla import CLOSURES_MARKER, deadline_rules_fingerprint
from callcenter.services.crm_ports import iso
from callcenter.services.ports import Clock
from callcenter.services.sla_ports import ClosureCalendar, ReminderScheduler, SlaUnitOfWork, SlaUowFactory

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


class DueTimeRecomputer:
    def __init__(self, uow: SlaUowFactory, clock: Clock, calendar: ClosureCalendar,
                 reminders: ReminderScheduler) -> None:
        self._uow = uow
        self._clock = clock
        self._calendar = calendar
        self._reminders = reminders

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
            changed = [c for n in numbers if (c := _recompute(uow, n, calendar, now)) is not None]
            uow.commit()
        for change in changed:
            self._reminders.schedule_reminder(change.registration_number, change.due)
        return RecomputeReport(fingerprint, True, len(numbers), tuple(changed))


def _recompute(uow: SlaUnitOfWork, number: str, calendar: OfficeCalendar, now: datetime) -> DueChange | None:
    """Give one open question the due time of ``calendar`` unless a delay notice set it; log the change."""
    question = uow.questions.by_number(number, for_update=True)
    if question is None or not question.is_open:
        return None
    if uow.sla.announced_by_delay_notice(question.id, question.due_at):
        return None
    due = calendar.deadline(question.received_at, question.track.value).due.astimezone(UTC)
    if due == question.due_at:
        return None
    uow.questions.save(replace(question, due_at=due))
    data = {"from": iso(question.due_at), "to": iso(due), "reason": "The office closures changed.",
            "cause": CAUSE}
    uow.questions.append_event(question.id, QuestionEvent(EventKind.DUE_CHANGED, now, None, data))
    return DueChange(number, question.due_at, due)
