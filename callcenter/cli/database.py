"""Services for commands that work on the database, once its schema is known to be current.

The embedded SQLite database (no database_url set) is a one-machine install: it is migrated here on
first use, as ``callcenter up`` would. A configured database (PostgreSQL, or an explicit SQLite URL)
is never migrated behind the operator's back: the command stops and says to run ``callcenter db upgrade``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from callcenter.cli import UsageError
from callcenter.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from callcenter.bootstrap import Services

NOT_INITIALISED = "The database is not initialised: run `callcenter db upgrade`."
OUT_OF_DATE = "The database schema is not the one this version expects: run `callcenter db upgrade`."


@contextmanager
def database_services(settings: Settings) -> Iterator[Services]:
    """Yield services without Redis on a database at the newest schema, closing them afterwards."""
    from callcenter.bootstrap import build_services

    services = build_services(settings, no_redis=True)
    try:
        ensure_schema(services.engine, embedded=not settings.database_url)
        yield services
    finally:
        services.close()


def ensure_schema(engine: Engine, *, embedded: bool) -> None:
    """Return if the schema is at the newest revisions; migrate it if embedded, else raise UsageError."""
    from callcenter.db import migrate

    current = set(migrate.current_revisions(engine))
    if current == set(migrate.head_revisions()):
        return
    if embedded:
        migrate.upgrade(engine)
        return
    raise UsageError(OUT_OF_DATE if current else NOT_INITIALISED)
