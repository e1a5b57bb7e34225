"""Ports the services talk to; adapters implement them, tests pass hand-written fakes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


class UnitOfWork(Protocol):
    """A transaction: ``with uow: ...; uow.commit()``; leaving without commit rolls back."""

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], Any]


class JobQueue(Protocol):
    def enqueue(self, func_path: str, *args: Any, job_id: str, at: datetime | None = None,
                retries: int = 3) -> None:
        """Enqueue the importable function ``func_path`` with ids as arguments, idempotent by job_id."""
        ...


class HealthProbe(Protocol):
    name: str
    required: bool

    def check(self) -> dict[str, Any]:
        """Return {"ok": bool, ...details}; never raise."""
        ...
