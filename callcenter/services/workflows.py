"""Back-office workflows: transfer a question to a competent, available expert; delay notices and call-backs.

The front office picks the expert among the proposed candidates (competent for the question's topic,
free now or later today); the transfer makes the expert the owner and the question "transferred". The
expert then answers it (``questions.mark_answered(reg_no, "back", by)``) and closes it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo
from typing import cast

from callcenter.domain.agenda import ExpertAvailability
from callcenter.domain.errors import Conflict, InvalidInput
from callcenter.domain.identity import Role
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
from callcenter.domain.sla import NotCompetent, check_transfer_target
from callcenter.domain.validation import optional_id, optional_text
from callcenter.services.crm_ports import CrmUnitOfWork, WorkingCalendar
from callcenter.services.delay_notices import Changed, DelayNotices
from callcenter.services.ports import Clock
from callcenter.services.question_changes import NOTE_MAX
from callcenter.services.sla_ports import (
    ExpertFinder,
    MailOutbox,
    ReminderScheduler,
    SlaUnitOfWork,
    SlaUowFactory,
)
from callcenter.services.webhook_ports import NO_OUTBOUND_EVENTS, OutboundEvents


class WorkflowService(DelayNotices):
    def __init__(self, uow: SlaUowFactory, clock: Clock, calendar: WorkingCalendar, experts: ExpertFinder,
                 outbox: MailOutbox, reminders: ReminderScheduler, tz: tzinfo,
                 outbound: OutboundEvents = NO_OUTBOUND_EVENTS) -> None:
        super().__init__(uow, clock, calendar, outbox, reminders, tz, outbound)
        self._experts = experts

    def transfer_candidates(self, reg_no: str, at: datetime | None = None) -> list[ExpertAvailability]:
        """Propose the experts competent for the question's topic and free now or later today, best first."""
        number = str(parse_registration_number(reg_no))
        with self._sla_uow() as uow:
            question = uow.questions.by_number(number)
        if question is None:
            raise NoSuchQuestion(f"There is no question {number}.")
        question.ensure_open()
        if question.topic_code is None:
            raise NotCompetent("File the question under a topic to find the experts competent for it.",
                               {"topic": "required to transfer"})
        ranked = self._experts.available_experts(question.topic_code, at)
        with self._sla_uow() as uow:
            experts = {e.user_id for e in ranked if _is_active_expert(uow, e.user_id)}
        return [e for e in ranked
                if e.user_id in experts and (e.availability.available_now or e.availability.free_today)]

    def transfer(self, reg_no: str, expert_user_id: int, by: Actor, note: str | None = None, *,
                 force: bool = False) -> Question:
        """Make an expert the owner of the now "transferred" question; ``force`` overrides competence only."""
        expert_id = optional_id(expert_user_id, "expert_user_id")
        if expert_id is None:
            raise InvalidInput("Say which expert takes the question.", {"expert_user_id": "required"})
        if not isinstance(force, bool):
            raise InvalidInput("Say true or false.", {"force": "true or false"})
        user = actor_user_id(by)
        text = optional_text(note, "note", max_length=NOTE_MAX)

        def change(q: Question, crm_uow: CrmUnitOfWork, now: datetime) -> Changed:
            uow = cast(SlaUnitOfWork, crm_uow)  # _change opens the unit of work from our own factory
            _check_transferable(q, expert_id)
            competences = uow.agendas.competences_of(expert_id)
            competent = check_transfer_target(uow.users.by_id(expert_id), expert_id, competences,
                                              q.topic_code, force=force)
            return replace(q, status=Status.TRANSFERRED, owner_user_id=expert_id), _transfer_events(
                q, expert_id, competent, text, user, now)

        return self._change(reg_no, change)[0]


def _check_transferable(question: Question, expert_id: int) -> None:
    """Refuse answered and closed questions; a transferred one may go to another expert."""
    question.ensure_open()
    if question.status is not Status.TRANSFERRED:
        check_transition(question.status, Status.TRANSFERRED)
    elif question.owner_user_id == expert_id:
        raise Conflict(f"Question {question.registration_number} is already with this expert.",
                       {"expert_user_id": "already the owner"})


def _transfer_events(question: Question, expert_id: int, competent: bool, note: str | None,
                     user: int | None, now: datetime) -> list[QuestionEvent]:
    """Return the history lines of a transfer: the status (unless already transferred), then the owner."""
    events = []
    if question.status is not Status.TRANSFERRED:
        status = {"from": question.status.value, "to": Status.TRANSFERRED.value}
        events.append(QuestionEvent(EventKind.STATUS_CHANGED, now, user, status))
    owner = {"from": question.owner_user_id, "to": expert_id, "transfer": True, "competent": competent,
             "forced": not competent, **({"note": note} if note else {})}
    events.append(QuestionEvent(EventKind.OWNER_CHANGED, now, user, owner))
    return events


def _is_active_expert(uow: SlaUnitOfWork, user_id: int) -> bool:
    user = uow.users.by_id(user_id)
    return user is not None and user.active and Role.EXPERT in user.roles
