"""SIP accounts of agents' phones: digest hashes only (HA1), never the password, and phone registrations.

A SIP digest HA1 binds the username, the realm (our SIP domain) and the password:
``md5("user:realm:password")``; ``ha1b`` is the same with ``user@realm`` as the username (phones that send
their full address); ``ha1_sha256`` is the RFC 7616 SHA-256 variant. A change of SIP domain therefore
needs new passwords.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from callcenter.domain.errors import InvalidInput

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
MAX_CONTACTS = 5  # twin of the registrar's max_contacts in callcenter/data/kamailio.cfg


@dataclass(frozen=True)
class SipDigests:
    realm: str
    ha1: str
    ha1b: str
    ha1_sha256: str


@dataclass(frozen=True)
class PhoneContact:
    """One registered phone of a SIP user: where it is reached and until when."""

    uri: str
    expires_at: datetime
    user_agent: str = ""
    source: str = ""


@dataclass(frozen=True)
class PhoneRegistration:
    """What the SIP edge last told us about a SIP user's phones; ``reported_at`` orders the reports."""

    sip_user: str
    contacts: tuple[PhoneContact, ...]
    reported_at: float

    def active(self, now: datetime) -> tuple[PhoneContact, ...]:
        """Return the contacts still registered at ``now``."""
        return tuple(c for c in self.contacts if c.expires_at > now)

    def registered_until(self, now: datetime) -> datetime | None:
        """Return when the last of the user's registrations ends, or None when none is active."""
        return max((c.expires_at for c in self.active(now)), default=None)


def digests(username: str, realm: str, password: str) -> SipDigests:
    """Return the digest hashes of ``password`` for ``username`` in ``realm``."""
    plain = f"{username}:{realm}:{password}".encode()
    full = f"{username}@{realm}:{realm}:{password}".encode()
    return SipDigests(realm, hashlib.md5(plain).hexdigest(), hashlib.md5(full).hexdigest(),  # noqa: S324
                      hashlib.sha256(plain).hexdigest())


def check_sip_password(password: str) -> str:
    """Return the password if a phone can use it: 12 to 128 printable ASCII characters."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"A SIP password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
                           {"password": f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"})
    if not all(" " < ch < "\x7f" for ch in password):
        # Desk phones' keypads and provisioning files handle printable ASCII only.
        raise InvalidInput("A SIP password uses printable ASCII characters without spaces.",
                           {"password": "printable ASCII"})
    return password


def check_realm(realm: str) -> str:
    """Return a SIP domain usable as a digest realm, or raise InvalidInput."""
    text = realm.strip().lower()
    if not text or len(text) > 200 or not all(ch.isalnum() or ch in ".-_:[]" for ch in text):
        raise InvalidInput(f"{realm!r} is not a SIP domain (a host name or an address).",
                           {"sip_domain": "a host name or an address"})
    return text


@dataclass(frozen=True)
class RegistrationReport:
    """The SIP edge's news about one SIP user: its phones after a REGISTER, or contacts that expired."""

    event_id: str
    sip_user: str
    sent_at: float  # the edge's clock, seconds: workers may deliver reports out of order
    contacts: tuple[PhoneContact, ...] | None = None  # every phone registered now (None: not said)
    expired: tuple[str, ...] = ()


def apply_report(current: PhoneRegistration | None, report: RegistrationReport) -> PhoneRegistration | None:
    """Return the user's registration after ``report``, or None when it is older than what we know."""
    if current is not None and report.sent_at < current.reported_at:
        return None
    if report.contacts is not None:
        contacts = report.contacts
    else:
        contacts = current.contacts if current is not None else ()
    kept = tuple(c for c in contacts if c.uri not in report.expired)
    return PhoneRegistration(report.sip_user, kept, report.sent_at)
