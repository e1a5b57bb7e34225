"""Shared by the identity integration tests: services on a real database with a cheap argon2 hasher."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callcenter.bootstrap import Services, build_services
from callcenter.domain.identity import NewUser, Role
from callcenter.passwords import Argon2PasswordHasher
from callcenter.services.clock import FixedClock
from callcenter.services.identity import IdentityService

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
# Real argon2id, cheap enough for tests (the production parameters take ~50 ms and 64 MiB a hash).
CHEAP = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}


def identity_services(settings: Any, clock: FixedClock, **hasher: int) -> Services:
    """Build services without Redis, health or calendar, whose identity hashes with ``hasher`` parameters."""
    built = build_services(settings, no_redis=True, clock=clock, health=object(), calendar=object())
    built.extras["identity"] = IdentityService(built.uow, clock, Argon2PasswordHasher(**(hasher or CHEAP)))
    return built


def new_user(username: str = "marie", *roles: Role) -> NewUser:
    return NewUser(username, username.title(), f"{username}@mi-is.be", frozenset(roles or {Role.AGENT}))
