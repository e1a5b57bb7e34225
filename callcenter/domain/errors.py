"""Typed domain errors; each has a stable code, mapped to HTTP once in callcenter.web.errors."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user can cause; ``code`` is stable, the message is a sentence."""

    code = "domain-error"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidInput(DomainError):
    """Input that cannot be read at all (HTTP 400, CLI exit 2)."""

    code = "invalid-input"


class RuleViolation(DomainError):
    """Well-formed input that breaks a rule (HTTP 422)."""

    code = "rule-violation"


class NotFound(DomainError):
    """A named thing does not exist (HTTP 404)."""

    code = "not-found"


class Conflict(DomainError):
    """The request conflicts with the current state (HTTP 409)."""

    code = "conflict"


class CalendarConfigError(DomainError):
    """A closures file or calendar setting cannot be used; the message names the line or option."""

    code = "calendar-config-error"
