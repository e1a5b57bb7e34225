"""User queries by intent: find one by name or id, list them all."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callcenter.db.models.identity import UserRow


def user_by_username(session: Session, username: str) -> UserRow | None:
    """Find the user with this (already lowercased) username."""
    return session.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()


def user_by_id(session: Session, user_id: int) -> UserRow | None:
    return session.get(UserRow, user_id)


def all_users_by_username(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.username)))


def change_user_password_hash(session: Session, user_id: int, password_hash: str) -> None:
    session.execute(update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash)
                    .execution_options(synchronize_session=False))


def change_user_active(session: Session, user_id: int, active: bool) -> None:
    session.execute(update(UserRow).where(UserRow.id == user_id).values(active=active)
                    .execution_options(synchronize_session=False))


def change_user_language(session: Session, user_id: int, language: str) -> None:
    session.execute(update(UserRow).where(UserRow.id == user_id).values(language=language)
                    .execution_options(synchronize_session=False))
