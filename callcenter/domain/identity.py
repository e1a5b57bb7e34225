"""Who may do what: roles, API scopes, the acting Principal, password and naming rules, identity errors.

The scopes and what each role may be granted are documented here and nowhere else.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from callcenter.domain.contacts import Language, clean_email
from callcenter.domain.errors import DomainError, InvalidInput, RuleViolation
from callcenter.domain.validation import Problems, required_text


class InvalidCredentials(DomainError):
    """Unknown user, wrong password, or a missing, unknown, expired or revoked token (HTTP 401)."""

    code = "invalid-credentials"


class SessionExpired(InvalidCredentials):
    """A browser session was idle for longer than allowed (HTTP 401)."""

    code = "session-expired"


class Forbidden(DomainError):
    """The principal is known but lacks the scope or role the action needs (HTTP 403)."""

    code = "forbidden"


class WeakPassword(RuleViolation):
    """A password does not follow PASSWORD_POLICY (HTTP 422)."""

    code = "weak-password"


class Role(StrEnum):
    AGENT = "agent"
    EXPERT = "expert"  # back-office expert: answers transferred questions
    COACH = "coach"
    SUPERVISOR = "supervisor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


# Every API scope, with what it allows; the only list of scopes in the project.
SCOPES: dict[str, str] = {
    "questions:read": "Read registered questions and their history.",
    "questions:write": "Register, answer, transfer and remind questions.",
    "contacts:read": "Read contacts (callers) and their history.",
    "contacts:write": "Create and update contacts.",
    "calls:read": "Read calls and live call state.",
    "calls:write": "Drive calls: answer, transfer, log call events.",
    "cti:zammad": "Post Zammad generic-CTI call events (the token goes in the URL; integrations only).",
    "calendar:read": "Read opening hours, closures and deadlines.",
    "admin": "Manage users, tokens and settings.",
}

_READ = frozenset({"questions:read", "contacts:read", "calls:read", "calendar:read"})
_FRONT_OFFICE = _READ | {"questions:write", "contacts:write", "calls:write"}

# The scopes each role may hold: a session gets the union for its roles, and a user's token is
# limited to it (so a token never outlives a role withdrawn from its user).
ROLE_SCOPES: dict[Role, frozenset[str]] = {
    Role.AGENT: _FRONT_OFFICE,
    Role.EXPERT: _READ | {"questions:write"},
    Role.COACH: _READ,
    Role.SUPERVISOR: _FRONT_OFFICE,
    Role.COORDINATOR: _FRONT_OFFICE,
    Role.ADMIN: frozenset(SCOPES),
}

LANGUAGES = tuple(language.value for language in Language)
TOKEN_PREFIX = "cc_"
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256  # hashing cost grows with length; refuse megabyte "passwords"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class Principal:
    """The identity a request acts as: a user (session or user token) or a named integration."""

    user_id: int | None
    username: str | None
    roles: frozenset[Role]
    scopes: frozenset[str]
    token_id: int | None = None
    integration: str | None = None

    @property
    def acting_as(self) -> str:
        """Name the actor for logs and audit trails."""
        return self.username or f"integration:{self.integration}"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def has_any_role(self, roles: Iterable[Role]) -> bool:
        return not self.roles.isdisjoint(roles)


@dataclass(frozen=True)
class NewUser:
    """A user as an administrator describes it, before validation."""

    username: str
    display_name: str
    email: str
    roles: frozenset[Role]
    language: str = "fr"


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    email: str
    language: str
    roles: frozenset[Role]
    active: bool
    created_at: datetime
    # Fingerprint of the current password hash: sessions carry it, so a new password ends them.
    credential_stamp: str = field(repr=False)


@dataclass(frozen=True)
class NewToken:
    name: str
    scopes: frozenset[str]
    user_id: int | None
    expires_at: datetime | None


@dataclass(frozen=True)
class ApiToken:
    """A token as listed: never its secret, which exists only as a SHA-256 digest."""

    id: int
    name: str
    scopes: frozenset[str]
    user_id: int | None
    username: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """Read role names; refuse an empty set or an unknown name."""
    roles = set()
    for value in values:
        try:
            roles.add(Role(value.strip().lower()))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InvalidInput(f"Unknown role {value!r}: use one of {known}.", {"roles": "unknown"}) from None
    if not roles:
        raise InvalidInput("A user needs at least one role.", {"roles": "required"})
    return frozenset(roles)


def parse_scopes(values: Iterable[str]) -> frozenset[str]:
    """Read scope names; refuse an empty set or an unknown name."""
    scopes = frozenset(v.strip() for v in values)
    unknown = sorted(scopes - set(SCOPES))
    if unknown:
        known = ", ".join(SCOPES)
        raise InvalidInput(f"Unknown scope {unknown[0]!r}: use one of {known}.", {"scopes": "unknown"})
    if not scopes:
        raise InvalidInput("A token needs at least one scope.", {"scopes": "required"})
    return scopes


def scopes_for_roles(roles: Iterable[Role]) -> frozenset[str]:
    """Return every scope the given roles may hold."""
    return frozenset().union(*(ROLE_SCOPES[r] for r in roles))


def validate_new_user(user: NewUser) -> NewUser:
    """Return the user normalised, or raise one InvalidInput naming every bad field."""
    problems = Problems()
    username = problems.check(_username, user.username)
    display_name = problems.check(required_text, user.display_name, "display_name", max_length=200)
    email = problems.check(clean_email, user.email)
    if email is None:
        problems.fields.setdefault("email", "required")
    if user.language not in LANGUAGES:
        problems.add("language", f"one of {', '.join(LANGUAGES)}")
    if not user.roles:
        problems.add("roles", "required")
    problems.raise_if_any("user")
    assert username and display_name and email  # for mypy: raise_if_any let no None through
    return NewUser(username, display_name, email, user.roles, user.language)


def _username(value: str) -> str:
    username = value.strip().lower()
    if not _USERNAME.match(username):
        raise InvalidInput(f"{value!r} is not a username.",
                           {"username": "2-64 characters: lowercase letters, digits, '.', '_' or '-'"})
    return username


def check_password(password: str, username: str) -> None:
    """Raise WeakPassword unless the password follows the policy (length, not the username)."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise WeakPassword(f"The password must have at least {PASSWORD_MIN_LENGTH} characters.",
                           {"password": "too short"})
    if len(password) > PASSWORD_MAX_LENGTH:
        raise WeakPassword(f"The password must have at most {PASSWORD_MAX_LENGTH} characters.",
                           {"password": "too long"})
    # Very short usernames would forbid too many passwords; they are not guessable hints anyway.
    if not password.strip() or (len(username) >= 4 and username.lower() in password.lower()):
        raise WeakPassword("The password must not be blank or contain the username.",
                           {"password": "guessable"})


def user_principal(user: User) -> Principal:
    """Return the principal of a user acting in a browser session: every scope its roles allow."""
    return Principal(user.id, user.username, user.roles, scopes_for_roles(user.roles))


def token_digest(raw: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored (the token itself never is)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def credential_stamp(password_hash: str) -> str:
    """Fingerprint a password hash for sessions (it reveals nothing usable about the password)."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]
