"""Hand-written fakes behind the identity ports: repositories in dicts, a reversible hasher."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from types import TracebackType

from callcenter.domain.identity import ApiToken, NewToken, NewUser, User, credential_stamp


class FakeHasher:
    """Reversible 'hashes' tagged with a parameter version, so rehash-on-login can be seen."""

    def __init__(self, version: str = "v2") -> None:
        self.version = version
        self.verified: list[str] = []

    def hash(self, password: str) -> str:
        return f"{self.version}${password}"

    def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash)
        return password_hash.split("$", 1)[1] == password

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(self.version + "$")


class FakeUsers:
    def __init__(self) -> None:
        self.rows: dict[int, tuple[User, str]] = {}

    def add(self, user: NewUser, password_hash: str, created_at: datetime) -> User:
        new = User(len(self.rows) + 1, user.username, user.display_name, user.email, user.language,
                   user.roles, True, created_at, credential_stamp(password_hash))
        self.rows[new.id] = (new, password_hash)
        return new

    def by_username(self, username: str) -> User | None:
        return next((u for u, _ in self.rows.values() if u.username == username), None)

    def by_id(self, user_id: int) -> User | None:
        return self.rows[user_id][0] if user_id in self.rows else None

    def credentials(self, username: str) -> tuple[User, str] | None:
        return next((row for row in self.rows.values() if row[0].username == username), None)

    def all(self) -> list[User]:
        return sorted((u for u, _ in self.rows.values()), key=lambda u: u.username)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        user = self.rows[user_id][0]
        self.rows[user_id] = (dataclasses.replace(user, credential_stamp=credential_stamp(password_hash)),
                              password_hash)

    def set_active(self, user_id: int, active: bool) -> None:
        user, password_hash = self.rows[user_id]
        self.rows[user_id] = (dataclasses.replace(user, active=active), password_hash)


class FakeTokens:
    def __init__(self, users: FakeUsers) -> None:
        self.users = users
        self.rows: dict[int, tuple[ApiToken, str]] = {}

    def add(self, token: NewToken, digest: str, created_at: datetime) -> ApiToken:
        user = self.users.by_id(token.user_id) if token.user_id else None
        new = ApiToken(len(self.rows) + 1, token.name, token.scopes, token.user_id,
                       user.username if user else None, created_at, None, token.expires_at, None)
        self.rows[new.id] = (new, digest)
        return new

    def by_digest(self, digest: str) -> ApiToken | None:
        return next((t for t, d in self.rows.values() if d == digest), None)

    def by_id(self, token_id: int) -> ApiToken | None:
        return self.rows[token_id][0] if token_id in self.rows else None

    def all(self) -> list[ApiToken]:
        return sorted((t for t, _ in self.rows.values()), key=lambda t: -t.id)

    def set_last_used(self, token_id: int, at: datetime) -> None:
        self._change(token_id, last_used_at=at)

    def set_revoked(self, token_id: int, at: datetime) -> None:
        self._change(token_id, revoked_at=at)

    def _change(self, token_id: int, **changes: object) -> None:
        token, digest = self.rows[token_id]
        self.rows[token_id] = (dataclasses.replace(token, **changes), digest)  # type: ignore[arg-type]


class FakeSipCredentials:
    """The users who have SIP digest hashes (only their presence matters to identity)."""

    def __init__(self) -> None:
        self.user_ids: set[int] = set()

    def remove(self, user_id: int) -> bool:
        found = user_id in self.user_ids
        self.user_ids.discard(user_id)
        return found


class FakeUow:
    """Shares its repositories across transactions; counts commits (no rollback needed by these tests)."""

    def __init__(self) -> None:
        self.users = FakeUsers()
        self.api_tokens = FakeTokens(self.users)
        self.sip_accounts = FakeSipCredentials()
        self.commits = 0

    def __call__(self) -> FakeUow:
        return self

    def __enter__(self) -> FakeUow:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        return None
