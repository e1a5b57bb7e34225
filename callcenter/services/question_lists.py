"""Lists of questions for work queues and integrations: filtered, soonest due first, page by page.

Pages are cut by position (due time, id) rather than by offset, so a question registered or closed
while someone pages through does not shift the following pages; the cursor is opaque to callers.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from callcenter.domain.errors import InvalidInput
from callcenter.domain.questions import Question, Status, parse_choice
from callcenter.domain.validation import Problems, optional_id
from callcenter.services.ports import Clock, UnitOfWork

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True)
class QuestionQuery:
    """What a caller asks for; every field is checked by the service."""

    statuses: Sequence[str] = ()  # empty: any status
    owner_user_id: int | None = None
    unowned: bool = False  # only questions nobody owns
    contact_id: int | None = None
    overdue: bool | None = None  # True: open and past due; False: all but those; None: both
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class QuestionFilter:
    """A checked query as the repository applies it."""

    statuses: frozenset[str]
    owner_user_id: int | None
    unowned: bool
    contact_id: int | None
    overdue: bool | None
    now: datetime  # "overdue" means open and due before this
    after: tuple[datetime, int] | None  # only questions after this (due_at, id) position


@dataclass(frozen=True)
class QuestionPage:
    items: list[Question]
    next_cursor: str | None  # None on the last page


class QuestionListRepository(Protocol):
    def matching(self, which: QuestionFilter, limit: int) -> list[Question]:
        """Return at most ``limit`` questions of ``which``, by due time then id."""
        ...


class QuestionListUnitOfWork(UnitOfWork, Protocol):
    question_lists: QuestionListRepository

    def __enter__(self) -> QuestionListUnitOfWork: ...


class QuestionLists:
    def __init__(self, uow: Callable[[], QuestionListUnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def page(self, query: QuestionQuery) -> QuestionPage:
        """Return one page of the questions matching ``query`` and the cursor of the next one."""
        which, limit = self._filter(query)
        with self._uow() as uow:
            found = uow.question_lists.matching(which, limit + 1)
        items = found[:limit]
        more = len(found) > limit
        return QuestionPage(items, encode_cursor(items[-1]) if more else None)

    def _filter(self, query: QuestionQuery) -> tuple[QuestionFilter, int]:
        problems = Problems()
        statuses = [problems.check(parse_choice, Status, s, "status") for s in query.statuses]
        owner = problems.check(optional_id, query.owner_user_id, "owner")
        contact = problems.check(optional_id, query.contact_id, "contact_id")
        after = problems.check(decode_cursor, query.cursor) if query.cursor else None
        if owner is not None and query.unowned:
            problems.add("owner", "an owner or none, not both")
        if isinstance(query.limit, bool) or not isinstance(query.limit, int) \
                or not 1 <= query.limit <= MAX_LIMIT:
            problems.add("limit", f"from 1 to {MAX_LIMIT}")
        problems.raise_if_any("question query")
        which = QuestionFilter(frozenset(s.value for s in statuses if s), owner, query.unowned, contact,
                               query.overdue, self._clock.now(), after)
        return which, query.limit


def encode_cursor(last: Question) -> str:
    """Return the opaque position right after ``last``."""
    raw = json.dumps([last.due_at.isoformat(), last.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Read a cursor made by encode_cursor, or raise InvalidInput."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        due_text, question_id = json.loads(raw)
        due = datetime.fromisoformat(due_text)
    except (binascii.Error, ValueError, TypeError):
        raise InvalidInput("The cursor is not one this API gave out.", {"cursor": "not a cursor"}) from None
    if due.tzinfo is None or isinstance(question_id, bool) or not isinstance(question_id, int):
        raise InvalidInput("The cursor is not one this API gave out.", {"cursor": "not a cursor"})
    return due, question_id
