"""Users, their roles, and API tokens (stored only as SHA-256 digests)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.db.base import Base, UtcDateTime

# Twins of callcenter.domain.identity.Role and LANGUAGES; a new value needs a migration of the check.
ROLE_VALUES = ("agent", "expert", "coach", "supervisor", "coordinator", "admin")
LANGUAGE_VALUES = ("fr", "nl", "de", "en")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_one_of("language", LANGUAGE_VALUES), name="language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    roles: Mapped[list[UserRoleRow]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class UserRoleRow(Base):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(_one_of("role", ROLE_VALUES), name="role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    scopes: Mapped[str] = mapped_column(Text)  # space-separated, as in OAuth
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    user: Mapped[UserRow | None] = relationship(lazy="joined")
