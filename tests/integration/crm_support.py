"""Shared by the CRM integration tests: services on a real database at a fixed time, and small builders."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from callcenter.bootstrap import Services, build_services
from callcenter.domain.identity import Role
from callcenter.services.clock import FixedClock
from callcenter.services.contacts import ContactIn
from callcenter.services.questions import RegisterQuestion
from callcenter.services.topics import TopicIn

# Thursday 26 November 2026, 10:00 in Brussels: a working day, the office is open.
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
COORDINATOR_ID = 7


@dataclass(frozen=True)
class _User:
    id: int
    active: bool
    roles: frozenset[Role]


class FakeDirectory:
    """Stands in for the identity feature: the users and their roles."""

    def list_users(self) -> list[_User]:
        return [_User(3, True, frozenset({Role.AGENT})),
                _User(COORDINATOR_ID, True, frozenset({Role.COORDINATOR})),
                _User(2, False, frozenset({Role.COORDINATOR}))]  # disabled: not the coordinator


@pytest.fixture(name="crm")
def crm_services(make_settings: Any, database_url: str) -> Iterator[Services]:
    """Fully wired CRM features on a real database, a fixed clock and the real office calendar."""
    settings = make_settings(database_url=database_url)
    built = build_services(settings, no_redis=True, clock=FixedClock(T0), health=object(),
                           identity=FakeDirectory())
    yield built
    built.close()


def count(services: Services, table: str) -> int:
    with services.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def topic(services: Services, code: str, faq: str | None = None) -> None:
    names = {lang: f"{code} ({lang})" for lang in ("fr", "nl", "de", "en")}
    services.topics.create(TopicIn(code, names, faq_reference=faq))


def citizen(services: Services, name: str = "Anne Peeters", *phones: str,
            email: str | None = "anne@example.be", organisation_id: int | None = None) -> int:
    cmd = ContactIn(name, phones or ("0471 12 34 56",), email, "nl", organisation_id)
    return int(services.contacts.create(cmd).id)


def ask(services: Services, contact_id: int, **fields: Any) -> str:
    cmd = RegisterQuestion(**{"contact_id": contact_id, "channel": "phone", "subject": "Revenu d'intégration",
                              **fields})
    return str(services.questions.register(cmd, by=3).registration_number)
