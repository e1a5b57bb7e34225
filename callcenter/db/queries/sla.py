"""Service-commitment queries by intent: claim a breach once, breached and upcoming due times, call-backs."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from callcenter.db.models.crm import QuestionRow
from callcenter.db.models.sla import CallbackTaskRow, DelayNoticeRow, ReminderBreachRow, SlaMarkerRow


def _insert(session: Session) -> Any:
    """Return the insert() of the session's dialect, the one with ON CONFLICT."""
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert


def insert_breach_unless_reminded(session: Session, question_id: int, due_at: datetime,
                                  reminded_at: datetime) -> bool:
    """Record a breach; tell whether this call recorded it (False: it was reminded already)."""
    # ON CONFLICT DO NOTHING, not IntegrityError: a failed INSERT would abort the PostgreSQL transaction;
    # a concurrent claimer waits for the first one's row, then inserts nothing.
    stmt = (_insert(session)(ReminderBreachRow)
            .values(question_id=question_id, due_at=due_at, reminded_at=reminded_at)
            .on_conflict_do_nothing(index_elements=[ReminderBreachRow.question_id, ReminderBreachRow.due_at])
            .returning(ReminderBreachRow.id))
    return session.execute(stmt).scalar_one_or_none() is not None


def question_id_by_number(session: Session, registration_number: str) -> int | None:
    """Return a question's id as a plain column, leaving the session's identity map untouched."""
    stmt = select(QuestionRow.id).where(QuestionRow.registration_number == registration_number)
    return session.scalars(stmt).one_or_none()


def breached_questions_not_reminded(session: Session, now: datetime, statuses: Collection[str],
                                    limit: int) -> list[tuple[str, datetime]]:
    """Return (number, due) of questions in ``statuses`` due at or before ``now`` with no reminder yet."""
    reminded = exists().where(ReminderBreachRow.question_id == QuestionRow.id,
                              ReminderBreachRow.due_at == QuestionRow.due_at)
    stmt = (select(QuestionRow.registration_number, QuestionRow.due_at)
            .where(QuestionRow.status.in_(list(statuses)), QuestionRow.due_at <= now, ~reminded)
            .order_by(QuestionRow.due_at, QuestionRow.id).limit(limit))
    return [(row[0], row[1]) for row in session.execute(stmt)]


def questions_due_between(session: Session, after: datetime, until: datetime, statuses: Collection[str],
                          limit: int) -> list[tuple[str, datetime]]:
    """Return (number, due) of questions in ``statuses`` due in (after, until], soonest first."""
    stmt = (select(QuestionRow.registration_number, QuestionRow.due_at)
            .where(QuestionRow.status.in_(list(statuses)), QuestionRow.due_at > after,
                   QuestionRow.due_at <= until)
            .order_by(QuestionRow.due_at, QuestionRow.id).limit(limit))
    return [(row[0], row[1]) for row in session.execute(stmt)]


def question_numbers_in(session: Session, statuses: Collection[str]) -> list[str]:
    stmt = (select(QuestionRow.registration_number).where(QuestionRow.status.in_(list(statuses)))
            .order_by(QuestionRow.id))
    return list(session.scalars(stmt))


def delay_notice_announced(session: Session, question_id: int, due_at: datetime) -> bool:
    """Tell whether a delay notice of this question announced exactly this due time."""
    stmt = select(DelayNoticeRow.id).where(DelayNoticeRow.question_id == question_id,
                                           DelayNoticeRow.due_at == due_at)
    return session.execute(stmt.limit(1)).first() is not None


def delay_notices_of_question(session: Session, question_id: int) -> list[DelayNoticeRow]:
    stmt = select(DelayNoticeRow).where(DelayNoticeRow.question_id == question_id).order_by(DelayNoticeRow.id)
    return list(session.scalars(stmt))


def callback_tasks_of_question(session: Session, question_id: int) -> list[CallbackTaskRow]:
    stmt = (select(CallbackTaskRow).where(CallbackTaskRow.question_id == question_id)
            .order_by(CallbackTaskRow.id))
    return list(session.scalars(stmt))


def open_callback_tasks_of(session: Session, assignee_user_id: int) -> list[CallbackTaskRow]:
    """Return the call-backs an agent still has to make, soonest due first."""
    stmt = (select(CallbackTaskRow)
            .where(CallbackTaskRow.assignee_user_id == assignee_user_id, CallbackTaskRow.done_at.is_(None))
            .order_by(CallbackTaskRow.due_at, CallbackTaskRow.id))
    return list(session.scalars(stmt))


def callback_task_by_id(session: Session, task_id: int) -> CallbackTaskRow | None:
    return session.get(CallbackTaskRow, task_id)


def mark_callback_task_done(session: Session, task_id: int, at: datetime, by: int | None,
                            note: str | None) -> bool:
    """Mark a call-back done unless it already is; tell whether this call marked it."""
    stmt = (update(CallbackTaskRow).where(CallbackTaskRow.id == task_id, CallbackTaskRow.done_at.is_(None))
            .values(done_at=at, done_by=by, note=note).returning(CallbackTaskRow.id)
            .execution_options(synchronize_session=False))
    return session.execute(stmt).first() is not None


def set_marker_unless_equal(session: Session, name: str, value: str, at: datetime) -> bool:
    """Set a marker to ``value``; tell whether it held something else before (only one caller wins)."""
    session.execute(_insert(session)(SlaMarkerRow).values(name=name, value="", updated_at=at)
                    .on_conflict_do_nothing(index_elements=[SlaMarkerRow.name]))
    # A concurrent setter waits on the row lock, then sees the new value and updates nothing.
    stmt = (update(SlaMarkerRow).where(SlaMarkerRow.name == name, SlaMarkerRow.value != value)
            .values(value=value, updated_at=at).returning(SlaMarkerRow.name)
            .execution_options(synchronize_session=False))
    return session.execute(stmt).first() is not None

