"""Ports of SIP accounts and phone registrations: the database repository and the registration cache."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from callcenter.domain.sip_accounts import PhoneRegistration, SipDigests
from callcenter.services.identity_ports import UserRepository
from callcenter.services.ports import UnitOfWork


class RegistrationCacheUnavailable(Exception):
    """The shared registration cache (Redis) cannot be reached; the database answers instead."""


class SipAccountRepository(Protocol):
    def set_digests(self, user_id: int, username: str, hashes: SipDigests, at: datetime) -> None:
        """Create or replace the user's digest hashes."""
        ...

    def remove(self, user_id: int) -> bool:
        """Delete the user's hashes; return whether there were any."""
        ...

    def registration(self, sip_user: str, *, for_update: bool = False) -> PhoneRegistration | None: ...

    def save_registration(self, registration: PhoneRegistration, at: datetime) -> None: ...

    def registered_until(self, now: datetime) -> dict[str, datetime]:
        """Return SIP user -> end of the last registration, for users registered at ``now``."""
        ...


class SipUnitOfWork(UnitOfWork, Protocol):
    sip_accounts: SipAccountRepository
    users: UserRepository

    def __enter__(self) -> SipUnitOfWork: ...


SipUowFactory = Callable[[], SipUnitOfWork]


class RegistrationCache(Protocol):
    def save(self, sip_user: str, until: datetime | None) -> None:
        """Remember until when the user is registered (None: not registered)."""
        ...

    def registered_until(self, now: datetime) -> dict[str, datetime]:
        """Return SIP user -> end of registration for users registered at ``now``; raise
        RegistrationCacheUnavailable when the cache cannot answer."""
        ...

    def fill(self, registered: dict[str, datetime]) -> None:
        """Put the database's registrations in (after the cache lost them), keeping newer ones."""
        ...


class RegisteredPhones(Protocol):
    def registered_users(self) -> frozenset[str]:
        """Return the SIP users with at least one registered phone now."""
        ...
