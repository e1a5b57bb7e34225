"""The public status repository (``uow.public_status``): what a citizen may see of a question, read-only."""

from __future__ import annotations

from sqlalchemy.orm import Session

from callcenter.db.queries import public_status as q
from callcenter.domain.public_status import PublicStatus
from callcenter.domain.questions import Status
from callcenter.services.public_status import StatusRecord


class PublicStatusRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def by_number(self, registration_number: str) -> StatusRecord | None:
        rows = q.public_status_with_contact_details(self._session, registration_number)
        if not rows:
            return None
        first = rows[0]
        status = PublicStatus(registration_number=first.registration_number, status=Status(first.status),
                              received_at=first.received_at, due_at=first.due_at,
                              answered_at=first.answered_at, closed_at=first.closed_at)
        return StatusRecord(status, first.email, tuple(r.e164 for r in rows if r.e164 is not None))
