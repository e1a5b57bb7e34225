"""The SQLAlchemy unit of work: one session per use case, committed only by the service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, exc
from sqlalchemy.orm import Session, sessionmaker

from callcenter.db.engine import only_read


class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory
        self.session: Session | None = None
        self._repositories: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        # Repositories (uow.outbox, uow.contacts, …) come from the registry each feature adds a line to;
        # one is built at its first use in the unit of work and kept until it ends (some remember rows
        # they locked in the transaction).
        from callcenter.db.repositories import REPOSITORIES

        if name.startswith("_") or name not in REPOSITORIES:
            raise AttributeError(name)
        if self.session is None:
            raise RuntimeError(f"uow.{name} is only available inside `with uow:`")
        repository = self._repositories.get(name)
        if repository is None:
            repository = self._repositories[name] = REPOSITORIES[name](self.session)
        return repository

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        self.session = self._factory()
        self._repositories = {}
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self.session is not None
        if exc_type is None and self._only_read():
            # The same end for a transaction that only read, but psycopg discards every prepared
            # statement of the connection at a ROLLBACK (and sends DEALLOCATE ALL): the next call step
            # on that connection then ran its statements unprepared (docs/benchmarks.md).
            self.session.commit()
        else:
            self.session.rollback()  # a no-op after commit; undoes everything otherwise
        self.session.close()
        self.session = None
        self._repositories = {}

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def _only_read(self) -> bool:
        """Tell whether the open transaction ran SELECTs only and nothing is pending (PostgreSQL)."""
        session = self.session
        assert session is not None
        if not session.in_transaction() or session.new or session.dirty or session.deleted:
            return False
        return only_read(session.connection())

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Send the block's statements without waiting for each one's outcome, where the driver can.

        On PostgreSQL (psycopg's pipeline mode) the statements go out as they are issued and the server
        runs them while the block goes on with other work; their outcomes, errors included, are read
        when the block ends, in one round trip instead of one each. Only for statements whose result
        is not read inside the block (their row counts are unknown there). Elsewhere the block runs as
        usual, one statement after the other. A failure is raised as SQLAlchemy raises a statement's.
        """
        assert self.session is not None
        connection = self.session.connection()
        driver = connection.connection.driver_connection
        if connection.dialect.name != "postgresql" or not hasattr(driver, "pipeline"):
            yield
            return
        dbapi_error = connection.dialect.loaded_dbapi.Error
        try:
            with driver.pipeline():
                yield
        except dbapi_error as error:  # a batched statement's failure, read as the block ended
            gone = connection.dialect.is_disconnect(error, driver, None)
            if gone:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(None, None, error, dbapi_error,
                                          connection_invalidated=gone) from error


def autocommit_uow(engine: Engine) -> Callable[[], SqlAlchemyUnitOfWork]:
    """Return a factory of units of work whose statements each commit on their own (AUTOCOMMIT).

    For writes that need no transaction: no BEGIN and COMMIT round trips around them, and commit() has
    nothing left to do. Each unit of work still gets its own session, as the transactional ones do.
    """
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    factory = sessionmaker(bind=autocommit, expire_on_commit=False)
    return lambda: SqlAlchemyUnitOfWork(factory)
