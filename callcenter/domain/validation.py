"""Collect field-level problems of one command so that the caller hears about all of them at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ParamSpec, TypeVar

from callcenter.domain.errors import InvalidInput

P = ParamSpec("P")
T = TypeVar("T")


class Problems:
    """Gather InvalidInput fields from several checks, then raise them as one error."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def check(self, read: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """Return ``read(...)``, or None after noting the fields of the InvalidInput it raised."""
        try:
            return read(*args, **kwargs)
        except InvalidInput as exc:
            self.fields.update(exc.fields or {"input": exc.message})
            return None

    def add(self, field: str, problem: str) -> None:
        self.fields[field] = problem

    def raise_if_any(self, what: str) -> None:
        """Raise one InvalidInput listing every field noted so far (``what`` names the command)."""
        if self.fields:
            names = ", ".join(sorted(self.fields))
            raise InvalidInput(f"The {what} has invalid fields: {names}.", dict(self.fields))


def required_text(value: object, field: str, *, max_length: int) -> str:
    """Return ``value`` stripped, or raise InvalidInput if it is missing, not text or too long."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"The {field} is required.", {field: "required"})
    text = value.strip()
    if len(text) > max_length:
        raise InvalidInput(f"The {field} is longer than {max_length} characters.",
                           {field: f"at most {max_length}"})
    return text


def optional_text(value: object, field: str, *, max_length: int) -> str | None:
    """Return ``value`` stripped, None when empty, or raise InvalidInput if it is not text or too long."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return required_text(value, field, max_length=max_length)


def optional_id(value: object, field: str) -> int | None:
    """Return a positive integer id or None, or raise InvalidInput."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(f"The {field} must be a positive whole number.", {field: "not an id"})
    return value


def aware_datetime(value: object, field: str) -> datetime:
    """Return ``value`` if it is a timezone-aware datetime, or raise InvalidInput."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(f"The {field} needs a date, a time and a time zone.", {field: "aware datetime"})
    return value


def optional_aware_datetime(value: object, field: str) -> datetime | None:
    """Return None or an aware datetime, or raise InvalidInput."""
    return None if value is None else aware_datetime(value, field)
