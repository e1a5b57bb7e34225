"""WSGI middleware of the production server: work use cases leave for later runs once the response is sent.

Each request gets a collecting scope (callcenter.services.after_response); the work collected runs in
the body's ``close()``, which the WSGI server calls after writing the last byte (gunicorn: after the
response is on the socket, before the connection takes its next request). Only the production server
installs it: under the test client and the development server the work runs at once, as part of the
request, which is what the tests of those requests expect to see done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from callcenter.services.after_response import Work, collecting, run_all

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class AfterResponseMiddleware:
    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with collecting() as pending:
            try:
                body = self._app(environ, start_response)
            except BaseException:
                run_all(pending)  # no body to close: the work (which may hold a database lock) runs now
                raise
        return _BodyThenWork(body, pending) if pending else body


class _BodyThenWork:
    """The response body, whose close() runs the collected work after closing the body itself."""

    def __init__(self, body: Iterable[bytes], pending: list[Work]) -> None:
        self._body = body
        self._pending = pending

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            run_all(self._pending)
