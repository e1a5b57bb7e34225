"""Run callbacks once a session's transaction has committed: work that must never see uncommitted rows.

Used for enqueueing jobs about rows written in the transaction. Bound to the session's real commit, it
also works when the writing use case joined an outer unit of work (its own ``commit()`` is a no-op). A
rollback drops the callbacks. Callbacks must not raise: they run after the commit, which stands anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_KEY = "callcenter.after_commit"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` after the session's current transaction commits."""
    if _KEY not in session.info:
        session.info[_KEY] = []
        event.listen(session, "after_commit", _run)
        event.listen(session, "after_rollback", _drop)
    session.info[_KEY].append(callback)


def _run(session: Session) -> None:
    callbacks: list[Callable[[], None]] = session.info[_KEY]
    session.info[_KEY] = []
    for callback in callbacks:
        try:
            callback()
        except Exception:  # the transaction is committed: its rows are there for whoever comes next
            log.exception("after-commit callback failed")


def _drop(session: Session, *_: Any) -> None:
    session.info[_KEY] = []
