"""SIP digest hashes and phone registrations (``uow.sip_accounts``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from callcenter.db.models.sip import SipCredentialRow, SipRegistrationRow
from callcenter.db.queries import sip as q
from callcenter.domain.sip_accounts import PhoneContact, PhoneRegistration, SipDigests


class SipAccountRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def set_digests(self, user_id: int, username: str, hashes: SipDigests, at: datetime) -> None:
        row = q.credentials_of_user(self._session, user_id) or SipCredentialRow(user_id=user_id)
        row.username, row.realm, row.updated_at = username, hashes.realm, at
        row.ha1, row.ha1b, row.ha1_sha256 = hashes.ha1, hashes.ha1b, hashes.ha1_sha256
        self._session.add(row)
        self._session.flush()

    def remove(self, user_id: int) -> bool:
        return q.remove_credentials_of_user(self._session, user_id)

    def registration(self, sip_user: str, *, for_update: bool = False) -> PhoneRegistration | None:
        row = q.registration_of_user(self._session, sip_user, for_update=for_update)
        if row is None:
            return None
        return PhoneRegistration(row.sip_user, tuple(_contact(c) for c in row.contacts), row.reported_at)

    def save_registration(self, registration: PhoneRegistration, at: datetime) -> None:
        row = (q.registration_of_user(self._session, registration.sip_user)
               or SipRegistrationRow(sip_user=registration.sip_user))
        row.contacts = [_contact_json(c) for c in registration.contacts]
        row.registered_until = max((c.expires_at for c in registration.contacts), default=None)
        row.reported_at, row.updated_at = registration.reported_at, at
        self._session.add(row)
        self._session.flush()

    def registered_until(self, now: datetime) -> dict[str, datetime]:
        return dict(q.users_registered_at(self._session, now))


def _contact_json(contact: PhoneContact) -> dict[str, Any]:
    return {"uri": contact.uri, "expires_at": contact.expires_at.astimezone(UTC).isoformat(),
            "user_agent": contact.user_agent, "source": contact.source}


def _contact(data: dict[str, Any]) -> PhoneContact:
    return PhoneContact(str(data["uri"]), datetime.fromisoformat(str(data["expires_at"])),
                        str(data.get("user_agent", "")), str(data.get("source", "")))
