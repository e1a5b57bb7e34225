"""Run several use cases in one transaction: each sees the open unit of work, only the outer one commits.

A composite use case (register a question with a new contact, apply every field of an edit) opens one
unit of work and hands the use cases it combines a factory returning ``JoinedUnitOfWork(uow)``: their
``with`` and ``commit()`` become no-ops, so either the outer commit keeps all of their writes or the
outer ``with`` rolls all of them back.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from callcenter.services.crm_ports import (
    CallRepository,
    ContactRepository,
    CrmUnitOfWork,
    CrmUowFactory,
    QuestionRepository,
    TopicRepository,
)


class JoinedUnitOfWork:
    """The outer unit of work seen by a use case that must not end the transaction itself."""

    def __init__(self, outer: CrmUnitOfWork) -> None:
        self._outer = outer

    @property
    def contacts(self) -> ContactRepository:
        return self._outer.contacts

    @property
    def topics(self) -> TopicRepository:
        return self._outer.topics

    @property
    def questions(self) -> QuestionRepository:
        return self._outer.questions

    @property
    def calls(self) -> CallRepository:
        return self._outer.calls

    def __getattr__(self, name: str) -> Any:
        # Repositories of other features (uow.outbox …) for joined use cases that need them.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._outer, name)

    def __enter__(self) -> JoinedUnitOfWork:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None  # an error propagates to the outer ``with``, which rolls everything back

    def commit(self) -> None:
        """Do nothing: the outer use case commits once, after every joined step succeeded."""

    def rollback(self) -> None:
        self._outer.rollback()


def joined(outer: CrmUnitOfWork) -> CrmUowFactory:
    """Return a unit-of-work factory whose every unit joins ``outer``'s transaction."""
    return lambda: JoinedUnitOfWork(outer)
