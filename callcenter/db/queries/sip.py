"""SIP account and registration queries by intent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from callcenter.db.models.sip import SipCredentialRow, SipRegistrationRow


def credentials_of_user(session: Session, user_id: int) -> SipCredentialRow | None:
    return session.get(SipCredentialRow, user_id)


def remove_credentials_of_user(session: Session, user_id: int) -> bool:
    return bool(session.execute(delete(SipCredentialRow).where(SipCredentialRow.user_id == user_id)).rowcount)


def registration_of_user(session: Session, sip_user: str, *,
                         for_update: bool = False) -> SipRegistrationRow | None:
    stmt = select(SipRegistrationRow).where(SipRegistrationRow.sip_user == sip_user)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).one_or_none()


def users_registered_at(session: Session, now: datetime) -> list[tuple[str, datetime]]:
    """Return (SIP user, registered until) of the users with a registration still running at ``now``."""
    stmt = (select(SipRegistrationRow.sip_user, SipRegistrationRow.registered_until)
            .where(SipRegistrationRow.registered_until > now))
    return [(user, until) for user, until in session.execute(stmt).all()]
