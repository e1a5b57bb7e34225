"""Ports of the identity use cases: user, token and SIP credential repositories on the unit of work, a
password hasher."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from callcenter.domain.identity import ApiToken, NewToken, NewUser, User
from callcenter.services.ports import UnitOfWork


class UserRepository(Protocol):
    def add(self, user: NewUser, password_hash: str, created_at: datetime) -> User:
        """Store a new user; raise Conflict if the username is taken."""
        ...

    def by_username(self, username: str) -> User | None: ...

    def by_id(self, user_id: int) -> User | None: ...

    def credentials(self, username: str) -> tuple[User, str] | None:
        """Return the user and its password hash."""
        ...

    def all(self) -> list[User]:
        """Return every user, by username."""
        ...

    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...

    def set_active(self, user_id: int, active: bool) -> None: ...

    def set_language(self, user_id: int, language: str) -> None: ...


class ApiTokenRepository(Protocol):
    def add(self, token: NewToken, digest: str, created_at: datetime) -> ApiToken: ...

    def by_digest(self, digest: str) -> ApiToken | None: ...

    def by_id(self, token_id: int) -> ApiToken | None: ...

    def all(self) -> list[ApiToken]:
        """Return every token, newest first."""
        ...

    def set_last_used(self, token_id: int, at: datetime) -> None: ...

    def set_revoked(self, token_id: int, at: datetime) -> None: ...


class SipCredentialRepository(Protocol):
    def remove(self, user_id: int) -> bool:
        """Delete the user's SIP digest hashes (their phone can no longer register); return whether
        there were any."""
        ...


class IdentityUnitOfWork(UnitOfWork, Protocol):
    users: UserRepository
    api_tokens: ApiTokenRepository
    sip_accounts: SipCredentialRepository

    def __enter__(self) -> IdentityUnitOfWork: ...


IdentityUowFactory = Callable[[], IdentityUnitOfWork]


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool:
        """Return whether the password matches; never raise for a mismatch."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """Return whether the hash was made with other parameters than the current ones."""
        ...
