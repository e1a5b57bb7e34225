"""Identity use cases: users and their passwords, sessions, API tokens and the principal they act as."""

from __future__ import annotations

import dataclasses
import hmac
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from callcenter.domain.errors import Conflict, InvalidInput, NotFound, RuleViolation
from callcenter.domain.identity import (
    LANGUAGES,
    TOKEN_PREFIX,
    ApiToken,
    InvalidCredentials,
    NewToken,
    NewUser,
    Principal,
    User,
    WeakPassword,
    check_password,
    credential_stamp,
    parse_scopes,
    scopes_for_roles,
    token_digest,
    user_principal,
    validate_new_user,
)
from callcenter.services.identity_ports import IdentityUnitOfWork, IdentityUowFactory, PasswordHasher
from callcenter.services.ports import Clock

BAD_LOGIN = "The username or password is wrong."
BAD_TOKEN = "The bearer token is not valid."
TOUCH_INTERVAL = timedelta(minutes=1)  # last_used_at is for humans; one write a minute is plenty
MAX_TOKEN_DAYS = 3650
_GENERATED_PASSWORD_BYTES = 18  # 24 URL-safe characters


class IdentityService:
    def __init__(self, uow: IdentityUowFactory, clock: Clock, hasher: PasswordHasher,
                 new_secret: Callable[[int], str] = secrets.token_urlsafe) -> None:
        self._uow = uow
        self._clock = clock
        self._hasher = hasher
        self._new_secret = new_secret
        self._dummy: str | None = None

    # Users -------------------------------------------------------------------------------------

    def create_user(self, user: NewUser, password: str | None = None) -> tuple[User, str | None]:
        """Register a user; without a password one is generated and returned (show it once)."""
        user = validate_new_user(user)
        password, generated = self._password_or_generated(password, user.username)
        password_hash = self._hasher.hash(password)
        with self._uow() as uow:
            if uow.users.by_username(user.username) is not None:
                raise Conflict(f"The username {user.username!r} is already taken.", {"username": "taken"})
            created = uow.users.add(user, password_hash, self._clock.now())
            uow.commit()
        return created, generated

    def list_users(self) -> list[User]:
        """Return every user, by username."""
        with self._uow() as uow:
            return uow.users.all()

    def set_password(self, username: str, password: str | None = None) -> str | None:
        """Replace a user's password (ending its sessions); return the generated one if none was given."""
        with self._uow() as uow:
            user = _user_named(uow, username)
            password, generated = self._password_or_generated(password, user.username)
            uow.users.set_password_hash(user.id, self._hasher.hash(password))
            uow.commit()
        return generated

    def disable(self, username: str) -> User:
        """Stop a user from logging in or using its tokens (kept for history); in the same transaction
        delete their SIP hashes, so that their phone can no longer register (Kamailio reads them)."""
        return self._set_active(username, False)

    def enable(self, username: str) -> User:
        """Let a disabled user log in and use its tokens again (a phone needs a new SIP password)."""
        return self._set_active(username, True)

    def set_language(self, user_id: int, language: str) -> User:
        """Remember the language the user reads its pages in."""
        if language not in LANGUAGES:
            raise InvalidInput(f"{language!r} is not one of {', '.join(LANGUAGES)}.",
                               {"language": f"one of {', '.join(LANGUAGES)}"})
        with self._uow() as uow:
            user = uow.users.by_id(user_id)
            if user is None:
                raise NotFound(f"There is no user {user_id}.")
            uow.users.set_language(user_id, language)
            uow.commit()
        return dataclasses.replace(user, language=language)

    # Logins and sessions -------------------------------------------------------------------------

    def authenticate(self, username: str, password: str) -> User:
        """Return the active user with this password, or raise InvalidCredentials; upgrade old hashes."""
        with self._uow() as uow:
            found = uow.users.credentials(username.strip().lower())
        if found is None or not found[0].active:
            self._hasher.verify(self._dummy_hash(), password)  # take as long as a real check: no user probing
            raise InvalidCredentials(BAD_LOGIN)
        user, stored = found
        if not self._hasher.verify(stored, password):
            raise InvalidCredentials(BAD_LOGIN)
        if not self._hasher.needs_rehash(stored):
            return user
        fresh = self._hasher.hash(password)
        with self._uow() as uow:
            uow.users.set_password_hash(user.id, fresh)
            uow.commit()
        return dataclasses.replace(user, credential_stamp=credential_stamp(fresh))

    def session_principal(self, user_id: int, stamp: str) -> Principal:
        """Return the principal of a logged-in session, or raise if its user or password changed since."""
        with self._uow() as uow:
            user = uow.users.by_id(user_id)
        if user is None or not user.active or not hmac.compare_digest(user.credential_stamp, stamp):
            raise InvalidCredentials("Your session has ended: log in again.")
        return user_principal(user)

    # API tokens ----------------------------------------------------------------------------------

    def create_token(self, name: str, scopes: Iterable[str], username: str | None = None,
                     expires_days: int | None = None) -> tuple[ApiToken, str]:
        """Create a token for a user, or for the integration ``name``; return it with its secret."""
        new = NewToken(_token_name(name), parse_scopes(scopes), None, self._expiry(expires_days))
        raw = TOKEN_PREFIX + self._new_secret(32)
        with self._uow() as uow:
            if username is not None:
                new = dataclasses.replace(new, user_id=_user_for_token(uow, username, new.scopes))
            token = uow.api_tokens.add(new, token_digest(raw), self._clock.now())
            uow.commit()
        return token, raw

    def list_tokens(self) -> list[ApiToken]:
        """Return every token, newest first (never a secret)."""
        with self._uow() as uow:
            return uow.api_tokens.all()

    def revoke_token(self, token_id: int) -> ApiToken:
        """Revoke a token for good; revoking it again changes nothing."""
        with self._uow() as uow:
            token = uow.api_tokens.by_id(token_id)
            if token is None:
                raise NotFound(f"There is no token {token_id}.")
            if token.revoked_at is None:
                now = self._clock.now()
                uow.api_tokens.set_revoked(token_id, now)
                uow.commit()
                token = dataclasses.replace(token, revoked_at=now)
        return token

    def verify_token(self, raw: str) -> Principal:
        """Return the principal a bearer token acts as, or raise InvalidCredentials."""
        if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
            raise InvalidCredentials(BAD_TOKEN)
        now = self._clock.now()
        with self._uow() as uow:
            token = uow.api_tokens.by_digest(token_digest(raw))
            if token is None:
                raise InvalidCredentials(BAD_TOKEN)
            if not token.usable_at(now):
                raise InvalidCredentials("The bearer token was revoked." if token.revoked_at
                                         else "The bearer token has expired.")
            principal = _token_principal(uow, token)
            if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
                uow.api_tokens.set_last_used(token.id, now)
                uow.commit()
        return principal

    # Helpers -------------------------------------------------------------------------------------

    def _set_active(self, username: str, active: bool) -> User:
        with self._uow() as uow:
            user = _user_named(uow, username)
            uow.users.set_active(user.id, active)
            if not active:
                uow.sip_accounts.remove(user.id)
            uow.commit()
        return dataclasses.replace(user, active=active)

    def _password_or_generated(self, password: str | None, username: str) -> tuple[str, str | None]:
        if password is not None:
            check_password(password, username)
            return password, None
        while True:  # a random password could, rarely, contain the username
            generated = self._new_secret(_GENERATED_PASSWORD_BYTES)
            try:
                check_password(generated, username)
            except WeakPassword:
                continue
            return generated, generated

    def _expiry(self, days: int | None) -> datetime | None:
        if days is None:
            return None
        if not 1 <= days <= MAX_TOKEN_DAYS:
            raise InvalidInput(f"A token expires after 1 to {MAX_TOKEN_DAYS} days.",
                               {"expires_days": "out of range"})
        return self._clock.now() + timedelta(days=days)

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self._hasher.hash(self._new_secret(16))
        return self._dummy


def _user_named(uow: IdentityUnitOfWork, username: str) -> User:
    user = uow.users.by_username(username.strip().lower())
    if user is None:
        raise NotFound(f"There is no user {username!r}.")
    return user


def _user_for_token(uow: IdentityUnitOfWork, username: str, scopes: frozenset[str]) -> int:
    user = _user_named(uow, username)
    if not user.active:
        raise RuleViolation(f"The user {user.username!r} is disabled.")
    excess = sorted(scopes - scopes_for_roles(user.roles))
    if excess:
        raise RuleViolation(f"The roles of {user.username!r} do not allow the scope {excess[0]!r}.",
                            {"scopes": "beyond the user's roles"})
    return user.id


def _token_principal(uow: IdentityUnitOfWork, token: ApiToken) -> Principal:
    if token.user_id is None:
        return Principal(None, None, frozenset(), token.scopes, token.id, integration=token.name)
    user = uow.users.by_id(token.user_id)
    if user is None or not user.active:
        raise InvalidCredentials("The user of this bearer token is disabled.")
    # Roles may have been withdrawn since the token was made: it keeps only what they still allow.
    scopes = token.scopes & scopes_for_roles(user.roles)
    return Principal(user.id, user.username, user.roles, scopes, token.id)


def _token_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("A token needs a name of at most 100 characters.", {"name": "required"})
    return name
