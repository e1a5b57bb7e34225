"""Shared by the routing and CTI tests: services at a fixed open time, agents, a recording live publisher."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from callcenter.bootstrap import Services, build_services
from callcenter.domain.agents import ProfileIn
from callcenter.domain.identity import NewUser, Role
from callcenter.passwords import Argon2PasswordHasher
from callcenter.services.clock import FixedClock
from callcenter.services.identity import IdentityService
from callcenter.services.live_ports import LiveMessage
from callcenter.web.app import create_app
from tests.integration.identity_support import CHEAP, PASSWORD
from webhooks.signatures import HEADER, cti_secret, sign

# Thursday 26 November 2026, 10:00 in Brussels: a working day, the office is open.
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
OUR_NUMBER = "+3225088586"
DUTCH_NUMBER = "+3225088587"
CITIZEN = "+32471123456"


class RecordingLive:
    """A LivePublisher that keeps what it was given."""

    def __init__(self) -> None:
        self.agents: list[tuple[int, str, dict[str, Any]]] = []
        self.supervisors: list[tuple[str, dict[str, Any]]] = []
        self.batches: list[list[tuple[int | None, str]]] = []  # (agent or None, kind) of each batch sent

    def publish_many(self, messages: Sequence[LiveMessage]) -> None:
        self.batches.append([(m.agent_id, m.kind) for m in messages])
        for m in messages:
            if m.agent_id is None:
                self.to_supervisors(m.kind, m.data)
            else:
                self.to_agent(m.agent_id, m.kind, m.data)

    def to_agent(self, agent_id: int, kind: str, data: dict[str, Any]) -> str | None:
        self.agents.append((agent_id, kind, data))
        return f"{len(self.agents)}-0"

    def to_supervisors(self, kind: str, data: dict[str, Any]) -> str | None:
        self.supervisors.append((kind, data))
        return f"{len(self.supervisors)}-0"

    def kinds(self, agent_id: int) -> list[str]:
        return [kind for who, kind, _ in self.agents if who == agent_id]


def routing_services(settings: Any, clock: FixedClock, **overrides: Any) -> Services:
    """Build every feature on ``settings`` at ``clock``, with a recording live publisher and cheap hashing."""
    built = build_services(settings, clock=clock, live=RecordingLive(), **overrides)
    built.extras["identity"] = IdentityService(built.uow, clock, Argon2PasswordHasher(**CHEAP))
    return built


@pytest.fixture(name="routed")
def routed_services(make_settings: Any, database_url: str, redis_url: str) -> Iterator[Services]:
    """Services on a real database and Redis, at T0, with French and Dutch service numbers."""
    settings = make_settings(database_url=database_url, redis_url=redis_url, cti_secret="test-secret",
                             service_numbers=f"{OUR_NUMBER}=fr,{DUTCH_NUMBER}=nl", max_wait_s=120)
    built = routing_services(settings, FixedClock(T0))
    yield built
    built.close()


def add_agent(services: Services, username: str, *languages: str, available: bool = True) -> int:
    """Create a user with the agent role and a profile; make them available unless told otherwise."""
    user, _ = services.identity.create_user(
        NewUser(username, username.title(), f"{username}@mi-is.be", frozenset({Role.AGENT})), PASSWORD)
    services.agents.set_profile(username, ProfileIn(f"sip:{username}@pbx.test", languages or ("fr",)))
    if available:
        services.presence.set_status(user.id, "available")
    return int(user.id)


def client(services: Services) -> FlaskClient:
    return create_app(services, {"TESTING": True}).test_client()


def signed_post(web: FlaskClient, services: Services, path: str, body: dict[str, Any], *,
                secret: str | None = None, timestamp: int | None = None, header: str | None = None) -> Any:
    """POST a JSON body signed like a PBX at the services' clock (or with the given header)."""
    raw = json.dumps(body).encode("utf-8")
    moment = timestamp if timestamp is not None else int(services.clock.now().timestamp())
    value = header if header is not None else sign(secret or cti_secret(services.settings), raw, moment)
    headers = {"Content-Type": "application/json", **({HEADER: value} if value else {})}
    return web.post(path, data=raw, headers=headers)


def count(services: Services, table: str, where: str = "1=1") -> int:
    with services.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one())
