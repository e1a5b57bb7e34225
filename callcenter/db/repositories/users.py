"""The user repository (``uow.users``): rows in, domain values out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.db.models.identity import UserRoleRow, UserRow
from callcenter.db.queries import users as q
from callcenter.domain.errors import Conflict
from callcenter.domain.identity import NewUser, Role, User, credential_stamp


class UserRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: NewUser, password_hash: str, created_at: datetime) -> User:
        row = UserRow(username=user.username, display_name=user.display_name, email=user.email,
                      language=user.language, password_hash=password_hash, active=True,
                      created_at=created_at, roles=[UserRoleRow(role=r.value) for r in sorted(user.roles)])
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError as exc:  # another process took the name since the service checked
            raise Conflict(f"The username {user.username!r} is already taken.",
                           {"username": "taken"}) from exc
        return to_user(row)

    def by_username(self, username: str) -> User | None:
        row = q.user_by_username(self._session, username)
        return None if row is None else to_user(row)

    def by_id(self, user_id: int) -> User | None:
        row = q.user_by_id(self._session, user_id)
        return None if row is None else to_user(row)

    def credentials(self, username: str) -> tuple[User, str] | None:
        row = q.user_by_username(self._session, username)
        return None if row is None else (to_user(row), row.password_hash)

    def all(self) -> list[User]:
        return [to_user(row) for row in q.all_users_by_username(self._session)]

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        q.change_user_password_hash(self._session, user_id, password_hash)

    def set_active(self, user_id: int, active: bool) -> None:
        q.change_user_active(self._session, user_id, active)

    def set_language(self, user_id: int, language: str) -> None:
        q.change_user_language(self._session, user_id, language)


def to_user(row: UserRow) -> User:
    return User(id=row.id, username=row.username, display_name=row.display_name, email=row.email,
                language=row.language, roles=frozenset(Role(r.role) for r in row.roles), active=row.active,
                created_at=row.created_at, credential_stamp=credential_stamp(row.password_hash))
