"""Work a use case may leave until its caller has its answer: run at once, or after the response is sent.

A use case hands such work to ``after_response(work)``. Outside a collecting scope (tests, the CLI,
jobs, a development server) it runs at once, so the use case behaves as if it did it itself. The
production web server opens a scope per request (callcenter.web.after_response) and runs the
collected work once the response has been sent: the CTI API answers telephony as soon as the decision
is made, and the bookkeeping that follows (legs, presence log, live updates) no longer delays it.
Work must not raise: it runs when nobody is left to tell (a failure is logged).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

log = logging.getLogger(__name__)

Work = Callable[[], None]

_pending: ContextVar[list[Work] | None] = ContextVar("callcenter_after_response", default=None)


def after_response(work: Work) -> None:
    """Run ``work`` after the current response is sent, or now when nothing collects it."""
    pending = _pending.get()
    if pending is None:
        work()
    else:
        pending.append(work)


def will_run_later() -> bool:
    """Tell whether work handed to after_response() now runs after the response (a collecting scope
    is open) rather than at once."""
    return _pending.get() is not None


@contextmanager
def collecting() -> Iterator[list[Work]]:
    """Collect the work handed to after_response() in the block; the caller must run it (run_all):
    some of it holds a database lock until it runs."""
    pending: list[Work] = []
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


def run_all(pending: list[Work]) -> None:
    """Run collected work in order; a failure is logged and the rest still runs."""
    while pending:
        work = pending.pop(0)
        try:
            work()
        except Exception:  # the response is gone: log it, there is nobody else to tell
            log.exception("work left for after the response failed")
