"""INSERT … ON CONFLICT for the two databases we run on (PostgreSQL and SQLite share the syntax)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_on_conflict(session: Session, model: Any) -> Any:
    """Return the dialect's INSERT of ``model``, which has on_conflict_do_nothing / _do_update."""
    return insert_on_conflict_for(session.get_bind().dialect.name, model)


def insert_on_conflict_for(dialect: str, model: Any) -> Any:
    """Return the INSERT of ``model`` with ON CONFLICT for the database named ``dialect``."""
    try:
        return _INSERTS[dialect](model)
    except KeyError:
        raise RuntimeError(f"No INSERT … ON CONFLICT for the {dialect} database.") from None
