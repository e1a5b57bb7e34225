"""Outbox queries by intent: store, claim the next due message, record the outcome of an attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from callcenter.db.models.outbox import OutboxMessageRow as Row
from callcenter.domain.outbox import FAILED, QUEUED, SENDING, SENT


def _claimable(now: datetime) -> ColumnElement[bool]:
    # A ``sending`` message whose lease (next_attempt_at) has run out belongs to a worker that died.
    return Row.status.in_((QUEUED, FAILED, SENDING)) & (Row.next_attempt_at <= now)


def claim_next_due_outbox_message(session: Session, now: datetime, lease_until: datetime) -> Row | None:
    """Claim the oldest due message for one worker; concurrent claimers get different rows or none."""
    # PostgreSQL: SKIP LOCKED lets a second worker pass over the row the first one is claiming.
    # SQLite ignores FOR UPDATE; there the UPDATE takes the database write lock before it reads, and
    # the repeated _claimable() condition makes it a compare-and-set all the same.
    oldest = (select(Row.id).where(_claimable(now)).order_by(Row.next_attempt_at, Row.id).limit(1)
              .with_for_update(skip_locked=True).scalar_subquery())
    stmt = (update(Row).where(Row.id == oldest, _claimable(now))
            .values(status=SENDING, attempts=Row.attempts + 1, next_attempt_at=lease_until)
            .returning(Row.id).execution_options(synchronize_session=False))
    claimed = session.execute(stmt).scalar_one_or_none()
    if claimed is None:
        return None
    return session.get(Row, claimed, populate_existing=True)


def mark_outbox_message_sent(session: Session, id: int, at: datetime) -> None:
    """Record that the mail server accepted the message (whoever sent it: sent is the truth)."""
    session.execute(update(Row).where(Row.id == id)
                    .values(status=SENT, sent_at=at, last_error=None)
                    .execution_options(synchronize_session=False))


def record_failed_outbox_attempt(session: Session, id: int, attempts: int, status: str,
                                 next_attempt_at: datetime, error: str) -> bool:
    """Record a failed attempt if the message is still in that attempt; tell whether it was."""
    result = session.execute(
        update(Row).where(Row.id == id, Row.status == SENDING, Row.attempts == attempts)
        .values(status=status, next_attempt_at=next_attempt_at, last_error=error)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def requeue_outbox_message(session: Session, id: int, now: datetime) -> None:
    """Make a message due now with a fresh count of attempts; its last error stays for reference."""
    session.execute(update(Row).where(Row.id == id)
                    .values(status=QUEUED, attempts=0, next_attempt_at=now)
                    .execution_options(synchronize_session=False))


def outbox_message_by_id(session: Session, id: int) -> Row | None:
    return session.get(Row, id, populate_existing=True)


def outbox_messages_by_status(session: Session, status: str | None, limit: int) -> list[Row]:
    """List messages newest first, all or of one status."""
    stmt = select(Row).order_by(Row.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(Row.status == status)
    return list(session.scalars(stmt))
