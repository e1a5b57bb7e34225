"""Ports of the service-commitment use cases (transfers, delay notices, reminders, due recomputation)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from callcenter.domain.agenda import ExpertAvailability
from callcenter.domain.calendar import OfficeCalendar
from callcenter.domain.identity import User
from callcenter.domain.outbox import OutboxMessage, OutgoingEmail
from callcenter.domain.sla import CallbackTask, DelayNotice, DueRef
from callcenter.services.crm_ports import CrmUnitOfWork
from callcenter.services.outbox import OutboxRepository, OutboxUnitOfWork


class SlaRepository(Protocol):
    def claim_breach(self, question_id: int, due_at: datetime, at: datetime) -> bool:
        """Record that this breach is being reminded; False if it already was (by anyone)."""
        ...

    def question_id(self, registration_number: str) -> int | None:
        """Return a question's id without loading it (so that a later locked read sees it fresh)."""
        ...

    def breached_not_reminded(self, now: datetime, limit: int) -> list[DueRef]:
        """Return open questions due at or before ``now`` whose current due time was not reminded."""
        ...

    def due_between(self, after: datetime, until: datetime, limit: int) -> list[DueRef]:
        """Return open questions due in (after, until], soonest first."""
        ...

    def open_question_numbers(self) -> list[str]: ...

    def announced_by_delay_notice(self, question_id: int, due_at: datetime) -> bool:
        """Tell whether a delay notice of the question announced exactly this due time."""
        ...

    def add_delay_notice(self, notice: DelayNotice) -> DelayNotice:
        """Store a delay notice (its id is ignored)."""
        ...

    def delay_notices_of(self, question_id: int) -> list[DelayNotice]: ...

    def add_callback_task(self, task: CallbackTask) -> CallbackTask:
        """Store a call-back task (its id is ignored)."""
        ...

    def callback_task(self, task_id: int) -> CallbackTask | None: ...

    def complete_callback_task(self, task_id: int, at: datetime, by: int | None, note: str | None) -> bool:
        """Mark a task done unless it already is; True only for the one caller that marked it."""
        ...

    def callback_tasks_of(self, question_id: int) -> list[CallbackTask]: ...

    def open_callback_tasks(self, assignee_user_id: int) -> list[CallbackTask]:
        """Return the call-backs a user still has to make, soonest due first."""
        ...

    def set_marker(self, name: str, value: str, at: datetime) -> bool:
        """Set a shared marker; True only for the one caller that changed its value."""
        ...


class StaffRepository(Protocol):
    """The users (``uow.users`` of the identity feature), read to reach owners and coordinators."""

    def by_id(self, user_id: int) -> User | None: ...

    def all(self) -> list[User]: ...


class CompetenceRepository(Protocol):
    """Experts' competences (``uow.agendas`` of the agenda feature)."""

    def competences_of(self, user_id: int) -> list[str]: ...


class SlaUnitOfWork(CrmUnitOfWork, Protocol):
    sla: SlaRepository
    users: StaffRepository
    agendas: CompetenceRepository
    outbox: OutboxRepository

    def __enter__(self) -> SlaUnitOfWork: ...


SlaUowFactory = Callable[[], SlaUnitOfWork]


class MailOutbox(Protocol):
    """The outbox use case: store mail in the caller's transaction, ask for delivery after commit."""

    def add_to(self, uow: OutboxUnitOfWork, email: OutgoingEmail) -> OutboxMessage: ...

    def enqueue_delivery(self, *messages: OutboxMessage) -> None: ...


class ExpertFinder(Protocol):
    """The agenda use case that lists competent experts with their availability."""

    def available_experts(self, topic_code: str, at: datetime | None = None) -> list[ExpertAvailability]: ...


class ClosureCalendar(Protocol):
    """The calendar use case: the current office calendar, reloaded when the closures files change."""

    def reload_if_changed(self) -> bool: ...

    @property
    def calendar(self) -> OfficeCalendar: ...


class ReminderScheduler(Protocol):
    def schedule_reminder(self, registration_number: str, due: datetime) -> None:
        """Ask for the reminder of this breach at ``due``; call after commit; idempotent."""
        ...
