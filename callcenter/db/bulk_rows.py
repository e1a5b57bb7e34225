"""Many rows in one statement: a route request rings dozens of agents and writes a row per agent to
three tables (their presence, its log, the call's legs).

On PostgreSQL the rows travel as one array per column, unnested by the server: one statement and one
plan, whatever the number of rows (executemany sent one statement per row, and SQLAlchemy converted
every value on the way). Elsewhere (SQLite, in-process, no round trips to save) the rows go through
executemany.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

# PostgreSQL array type of each kind of column written this way.
_PG_TYPES = {"int": "integer[]", "text": "text[]", "time": "timestamptz[]"}


def insert_rows(session: Session, statement: Executable, table: str, rows: Sequence[dict[str, Any]],
                kinds: dict[str, str], on_conflict: str = "") -> None:
    """INSERT ``rows`` (dicts with the keys of ``kinds``: column name → int, text or time), in their order.

    ``statement``: the same INSERT in SQLAlchemy, run with executemany where the database is not
    PostgreSQL; ``on_conflict``: its ON CONFLICT clause in SQL, for the unnested form. Times must be
    aware; they are stored in UTC, as UtcDateTime does.
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(statement, list(rows))
        return
    arrays = {name: [_value(row[name], kind) for row in rows] for name, kind in kinds.items()}
    connection.exec_driver_sql(_unnest(table, tuple(kinds.items()), on_conflict), arrays)


@lru_cache(maxsize=16)
def _unnest(table: str, kinds: tuple[tuple[str, str], ...], on_conflict: str) -> str:
    columns = ", ".join(name for name, _ in kinds)
    arrays = ", ".join(f"%({name})s::{_PG_TYPES[kind]}" for name, kind in kinds)
    # WITH ORDINALITY: the rows are inserted (and rows they conflict with locked) in the order given.
    return (f"INSERT INTO {table} ({columns}) SELECT {columns} FROM unnest({arrays}) WITH ORDINALITY "
            f"AS given({columns}, position) ORDER BY position {on_conflict}").strip()


def _value(value: Any, kind: str) -> Any:
    if kind == "time" and value is not None:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass an aware UTC datetime")
        return value.astimezone(UTC)
    return value
