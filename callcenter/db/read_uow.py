"""A read-only unit of work on a bare Connection, for the screen-pop's lookup.

The screen-pop runs on every ringing call and only reads, with Core statements (callcenter.db.queries).
A Session there was pure overhead: opening it, the ORM's execution path for each statement (compile
state, result set-up, identity-map machinery), then rollback and close. This unit of work checks a
connection out of an AUTOCOMMIT engine (no BEGIN, no ROLLBACK round trip) and hands the CRM repositories
that Connection; only their read methods that run Core statements work on it (``contacts.match_number``,
``questions.open_for_contacts``, ``calls.last_calls``), any write fails loudly.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Connection


class ConnectionReadUnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine  # with isolation_level="AUTOCOMMIT" (see autocommit_read_uow)
        self.connection: Connection | None = None

    def __getattr__(self, name: str) -> Any:
        from callcenter.db.repositories.crm import CRM_REPOSITORIES

        if name.startswith("_") or name not in CRM_REPOSITORIES:
            raise AttributeError(name)
        if self.connection is None:
            raise RuntimeError(f"uow.{name} is only available inside `with uow:`")
        return CRM_REPOSITORIES[name](self.connection)

    def __enter__(self) -> ConnectionReadUnitOfWork:
        self.connection = self._engine.connect()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self.connection is not None
        self.connection.close()
        self.connection = None

    def commit(self) -> None:
        raise RuntimeError("a read-only unit of work has nothing to commit")

    def rollback(self) -> None:
        """Nothing to undo: every statement ran in its own autocommit transaction and only read."""


def autocommit_read_uow(engine: Engine) -> Any:
    """Return a factory of read-only units of work on ``engine`` in AUTOCOMMIT (no BEGIN/ROLLBACK)."""
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    return lambda: ConnectionReadUnitOfWork(reads)
