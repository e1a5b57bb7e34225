"""Build engines and session factories (only ever from the composition root).

PostgreSQL connections are checked before use only when they sat idle in the pool for PING_IDLE_S or
more, not at every checkout (SQLAlchemy's pool_pre_ping): a route request checks a connection out two
or three times, and a ping each time was a round trip each on the path telephony waits on. A connection
used a moment ago is alive unless the server went away in that moment; then the statement fails, the
pool drops every connection opened before the failure, and the CTI client sends the request again
(answered once: request ids are claimed in the database). Connections older than RECYCLE_S are
replaced, so none outlives a server-side or firewall idle limit unnoticed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

PING_IDLE_S = 10.0
RECYCLE_S = 1800
WROTE = "callcenter_wrote"  # in a connection's info: its transaction ran more than SELECTs


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20,
                pool_timeout: float = 30.0) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout for several processes."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # LIFO: the connection given back last is the next one out, so that steps one after another run on
    # the same warm server process; with FIFO, once a second thread had used the pool (the supervisors'
    # snapshots), steps took turns between connections, 0.3 ms slower at p50 (docs/benchmarks.md).
    engine = create_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout,
                           pool_recycle=RECYCLE_S, pool_use_lifo=True)
    event.listen(engine.pool, "checkin", _note_checkin)
    event.listen(engine, "begin", _note_begin)
    event.listen(engine, "before_cursor_execute", _note_statement)
    event.listen(engine.pool, "checkout", lambda conn, record, _proxy: _ping_if_idle(engine, conn, record))
    return engine


def make_read_engine(engine: Engine, *, pool_size: int = 5) -> Engine:
    """Return the engine of reads that must never wait for a connection behind steps waiting on a row
    lock (the screen-pop's): on PostgreSQL an engine of the same database with a pool of its own, else
    ``engine`` itself (SQLite's writers wait on the database, not on rows)."""
    if engine.dialect.name != "postgresql":
        return engine
    return make_engine(engine.url.render_as_string(hide_password=False), pool_size=pool_size)


def _note_begin(conn: Connection) -> None:
    conn.info[WROTE] = False


def _note_statement(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
    """Note a transaction that ran anything but a SELECT (db.uow ends one that did not with COMMIT)."""
    if not statement.lstrip()[:6].upper().startswith("SELECT"):
        conn.info[WROTE] = True


def only_read(conn: Connection) -> bool:
    """Tell whether the connection's transaction ran SELECTs only (unknown, as on SQLite: False)."""
    return conn.info.get(WROTE) is False


def _note_checkin(dbapi_conn: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(engine: Engine, dbapi_conn: Any, record: Any) -> None:
    """Ping a connection that sat idle; a dead one makes the pool connect afresh (DisconnectionError)."""
    checked_in_at = record.info.get("checked_in_at")
    if checked_in_at is None or time.monotonic() - checked_in_at < PING_IDLE_S:
        return  # just connected, or used a moment ago
    try:
        alive = engine.dialect.do_ping(dbapi_conn)
    except engine.dialect.loaded_dbapi.Error as error:
        raise exc.DisconnectionError(f"an idle connection is gone: {error}") from error
    if not alive:
        raise exc.DisconnectionError("an idle connection is gone")


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
