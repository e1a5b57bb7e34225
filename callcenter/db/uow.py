"""The SQLAlchemy unit of work: one session per use case, committed only by the service."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session, sessionmaker


class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory
        self.session: Session | None = None

    def __getattr__(self, name: str) -> Any:
        # Repositories (uow.outbox, uow.contacts, …) come from the registry each feature adds a line to;
        # they hold no state but the session, so one is built per access.
        from callcenter.db.repositories import REPOSITORIES

        if name.startswith("_") or name not in REPOSITORIES:
            raise AttributeError(name)
        if self.session is None:
            raise RuntimeError(f"uow.{name} is only available inside `with uow:`")
        return REPOSITORIES[name](self.session)

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        self.session = self._factory()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self.session is not None
        self.session.rollback()  # a no-op after commit; undoes everything otherwise
        self.session.close()
        self.session = None

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()
