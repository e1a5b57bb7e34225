"""Map domain errors and HTTP errors to the one error envelope, once for the whole app.

Envelope: {"error": "<stable-code>", "message": "<sentence>", "fields": {...}} (fields only for
validation). 400 unreadable input, 422 well-formed input that breaks a rule, 401/403/404/409 as usual.
The message is English, except for a logged-in browser (the staff pages): it reads the sentence of
web/error_text.py in the language of its pages, when there is one. Code and fields never change.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify
from werkzeug.exceptions import HTTPException

from callcenter.domain.errors import (
    CalendarConfigError,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    RuleViolation,
)
from callcenter.domain.identity import Forbidden, InvalidCredentials
from callcenter.web.auth import from_browser_session
from callcenter.web.error_text import error_sentence, http_sentence

log = logging.getLogger(__name__)

STATUS_BY_ERROR: list[tuple[type[DomainError], int]] = [
    (InvalidInput, 400),
    (InvalidCredentials, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (RuleViolation, 422),
    (CalendarConfigError, 500),
]


def envelope(code: str, message: str, status: int, fields: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    body: dict[str, object] = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(body), status


def status_for(exc: DomainError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(exc, kind):
            return status
    return 422


def message_for(code: str, english: str, fields: dict[str, str] | None = None) -> str:
    """Return the message of an error: in the page's language for a logged-in browser, else English."""
    if not _speaks_the_pages_language():
        return english
    return error_sentence(code, fields) or english


def http_message_for(status: int, english: str) -> str:
    """Return the message of an HTTP error: in the page's language for a logged-in browser, else English."""
    if not _speaks_the_pages_language():
        return english
    return http_sentence(status) or english


def _speaks_the_pages_language() -> bool:
    return "babel" in current_app.extensions and from_browser_session()


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):  # type: ignore[no-untyped-def]
        message = message_for(exc.code, exc.message, exc.fields)
        response, status = envelope(exc.code, message, status_for(exc), exc.fields)
        if status == 401:  # RFC 6750: tell the client which scheme to authenticate with
            response.headers["WWW-Authenticate"] = "Bearer"
        return response, status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        code = (exc.name or "error").lower().replace(" ", "-")
        status = exc.code or 500
        return envelope(code, http_message_for(status, exc.description or exc.name), status)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error")
        english = "Something went wrong on our side; the error was logged."
        return envelope("internal-error", message_for("internal-error", english), 500)
