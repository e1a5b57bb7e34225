"""Argon2id password hashing (argon2-cffi), the PasswordHasher port of callcenter.services.identity_ports."""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    """Hash with argon2id; keyword arguments override argon2-cffi's RFC 9106 defaults (for cheap tests)."""

    def __init__(self, **parameters: Any) -> None:
        self._hasher = PasswordHasher(**parameters)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
