"""Map domain errors and HTTP errors to the one error envelope, once for the whole app.

Envelope: {"error": "<stable-code>", "message": "<sentence>", "fields": {...}} (fields only for
validation). 400 unreadable input, 422 well-formed input that breaks a rule, 401/403/404/409 as usual.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify
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


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):  # type: ignore[no-untyped-def]
        response, status = envelope(exc.code, exc.message, status_for(exc), exc.fields)
        if status == 401:  # RFC 6750: tell the client which scheme to authenticate with
            response.headers["WWW-Authenticate"] = "Bearer"
        return response, status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        code = (exc.name or "error").lower().replace(" ", "-")
        return envelope(code, exc.description or exc.name, exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error")
        return envelope("internal-error", "Something went wrong on our side; the error was logged.", 500)
