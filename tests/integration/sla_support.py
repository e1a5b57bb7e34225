"""Shared by the service-commitment integration tests: real users, topics, contacts and questions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from callcenter.bootstrap import Services, build_services
from callcenter.domain.identity import NewUser, Role
from callcenter.passwords import Argon2PasswordHasher
from callcenter.services.clock import FixedClock
from callcenter.services.contacts import ContactIn
from callcenter.services.identity import IdentityService
from callcenter.services.questions import RegisterQuestion
from callcenter.services.topics import TopicIn
from tests.integration.identity_support import CHEAP

# Thursday 26 November 2026, 10:00 in Brussels: a standard question is due Monday 30 November at 16:30.
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Staff:
    agent: int
    coordinator: int
    expert: int  # competent for "ris"
    absent_expert: int  # competent for "ris", absent all day
    other_expert: int  # competent for "other" only
    competent_agent: int  # competent for "ris" but not an expert


def build_sla_services(settings: Any, clock: Any, **overrides: Any) -> Services:
    """Wire every feature on the settings' database with this clock and a cheap password hasher."""
    built = build_services(settings, clock=clock, health=object(), **overrides)
    built.extras["identity"] = IdentityService(built.uow, clock, Argon2PasswordHasher(**CHEAP))
    return built


@pytest.fixture
def closures_file(tmp_path: Path) -> Path:
    path = tmp_path / "closures.toml"
    path.write_text("# no operator closures yet\n", encoding="utf-8")
    return path


@pytest.fixture
def world(make_settings: Any, database_url: str, closures_file: Path) -> Iterator[Services]:
    """Services on a real database without Redis, at T0, on a closures file the test may edit."""
    settings = make_settings(database_url=database_url, closures_file=closures_file)
    built = build_sla_services(settings, FixedClock(T0), no_redis=True)
    yield built
    built.close()


def add_staff(services: Services) -> Staff:
    def user(name: str, *roles: Role, language: str = "fr") -> int:
        new = NewUser(name, name.title(), f"{name}@mi-is.be", frozenset(roles), language)
        return int(services.identity.create_user(new, "correct horse battery")[0].id)

    ids = Staff(agent=user("anna", Role.AGENT), coordinator=user("cora", Role.COORDINATOR, language="nl"),
                expert=user("erik", Role.EXPERT), absent_expert=user("eva", Role.EXPERT),
                other_expert=user("otto", Role.EXPERT), competent_agent=user("alex", Role.AGENT))
    for code in ("ris", "other"):
        services.topics.create(TopicIn(code, {lang: f"{code} ({lang})" for lang in ("fr", "nl", "de", "en")}))
    for name in ("erik", "eva", "alex"):
        services.agendas.set_competences(name, ["ris"])
    services.agendas.set_competences("otto", ["other"])
    return ids


def ask(services: Services, staff: Staff, *, channel: str = "phone", language: str = "nl",
        **fields: Any) -> str:
    """Register a question of a new contact, owned by the agent; return its registration number."""
    contact = services.contacts.create(ContactIn("Anne Peeters", ("0471 12 34 56",), "anne@example.be",
                                                 language))
    cmd = RegisterQuestion(**{"contact_id": contact.id, "channel": channel, "topic": "ris",
                              "subject": "Revenu d'intégration", "owner_user_id": staff.agent, **fields})
    return str(services.questions.register(cmd, by=staff.agent).registration_number)


def kinds(services: Services, number: str) -> list[str]:
    return [event.kind.value for event in services.questions.history(number)]


def count(services: Services, table: str) -> int:
    with services.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
