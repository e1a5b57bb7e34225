"""Partial edits: ``KEEP`` marks a field a request leaves as it is (unlike None, which clears it)."""

from __future__ import annotations

from enum import Enum
from typing import Final, TypeVar

T = TypeVar("T")


class Keep(Enum):
    KEEP = "keep"


KEEP: Final = Keep.KEEP


def pick(new: T | Keep, current: T) -> T:
    """Return ``new`` unless it is KEEP, else ``current``."""
    return current if new is KEEP else new


def edits_nothing(*values: object) -> bool:
    """Tell whether every field of an edit is KEEP."""
    return all(value is KEEP for value in values)
