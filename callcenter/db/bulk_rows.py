"""Many rows in one statement: a route request rings dozens of agents and writes a row per agent to
three tables (their presence, its log, the call's legs).

On PostgreSQL the rows travel as one JSON array of objects, turned into rows by the server
(json_to_recordset): one statement, one parameter and one plan, whatever the number of rows
(executemany sent one statement per row, and SQLAlchemy converted every value on the way; one array
per column, the previous form, cost more to encode than to run: the driver builds array literals in
Python, where the JSON is encoded in C). Elsewhere (SQLite, in-process, no round trips to save) the
rows go through executemany.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

# PostgreSQL type of each kind of column written this way.
_PG_TYPES = {"int": "integer", "text": "text", "time": "timestamptz"}


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
    names = tuple(kinds)
    times = [name for name, kind in kinds.items() if kind == "time"]
    texts: dict[datetime, str] = {}  # the rows of a step share a few instants: each is formatted once
    given = []
    for row in rows:
        item = {name: row[name] for name in names}
        for name in times:
            value = item[name]
            if value is not None:
                text = texts.get(value)
                if text is None:
                    text = texts[value] = _utc_text(value)
                item[name] = text
        given.append(item)
    connection.exec_driver_sql(_from_json(table, tuple(kinds.items()), on_conflict),
                               {"rows": json.dumps(given, separators=(",", ":"))})


@lru_cache(maxsize=16)
def _from_json(table: str, kinds: tuple[tuple[str, str], ...], on_conflict: str) -> str:
    columns = ", ".join(name for name, _ in kinds)
    typed = ", ".join(f"{name} {_PG_TYPES[kind]}" for name, kind in kinds)
    # WITH ORDINALITY: the rows are inserted (and rows they conflict with locked) in the order given.
    return (f"INSERT INTO {table} ({columns}) SELECT {columns} FROM ROWS FROM "
            f"(json_to_recordset(%(rows)s::json) AS ({typed})) WITH ORDINALITY AS given({columns}, position) "
            f"ORDER BY position {on_conflict}").strip()


def _utc_text(value: Any) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError("naive datetimes are not stored: pass an aware UTC datetime")
    return value.astimezone(UTC).isoformat()
