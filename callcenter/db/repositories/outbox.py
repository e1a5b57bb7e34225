"""The outbox repository (``uow.outbox``): rows in, domain values out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from callcenter.db.models.outbox import OutboxMessageRow
from callcenter.db.queries import outbox as q
from callcenter.domain.outbox import QUEUED, OutboxMessage, OutgoingEmail


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, message_id: str, email: OutgoingEmail, now: datetime) -> OutboxMessage:
        row = OutboxMessageRow(
            message_id=message_id, kind=email.kind, to_address=email.to_address, subject=email.subject,
            body_text=email.body_text, body_html=email.body_html, language=email.language,
            question_id=email.question_id, registration_number=email.registration_number,
            status=QUEUED, attempts=0, next_attempt_at=now, created_at=now)
        self._session.add(row)
        self._session.flush()
        return to_message(row)

    def get(self, id: int) -> OutboxMessage | None:
        row = q.outbox_message_by_id(self._session, id)
        return None if row is None else to_message(row)

    def claim_next_due(self, now: datetime, lease_until: datetime) -> OutboxMessage | None:
        row = q.claim_next_due_outbox_message(self._session, now, lease_until)
        return None if row is None else to_message(row)

    def mark_sent(self, id: int, at: datetime) -> None:
        q.mark_outbox_message_sent(self._session, id, at)

    def mark_failed(self, claimed: OutboxMessage, status: str, next_attempt_at: datetime, error: str) -> None:
        q.record_failed_outbox_attempt(self._session, claimed.id, claimed.attempts, status, next_attempt_at,
                                       error)

    def requeue(self, id: int, now: datetime) -> None:
        q.requeue_outbox_message(self._session, id, now)

    def list_by_status(self, status: str | None, limit: int) -> list[OutboxMessage]:
        return [to_message(row) for row in q.outbox_messages_by_status(self._session, status, limit)]


def to_message(row: OutboxMessageRow) -> OutboxMessage:
    email = OutgoingEmail(
        kind=row.kind, to_address=row.to_address, subject=row.subject, body_text=row.body_text,
        language=row.language, body_html=row.body_html, question_id=row.question_id,
        registration_number=row.registration_number)
    return OutboxMessage(
        id=row.id, message_id=row.message_id, email=email, status=row.status, attempts=row.attempts,
        next_attempt_at=row.next_attempt_at, created_at=row.created_at, last_error=row.last_error,
        sent_at=row.sent_at)
