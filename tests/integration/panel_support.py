"""Shared by the panel tests: services on a real database and Redis, a hand-written presence, users."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from callcenter.bootstrap import Services
from callcenter.domain.errors import InvalidInput
from callcenter.domain.presence import (
    DEFAULT_PAUSE_REASONS,
    AgentState,
    PresenceStatus,
    offline,
    pause_reason_label,
)
from callcenter.services.calls import FinishedCall
from callcenter.services.clock import FixedClock
from callcenter.web.app import create_app
from tests.integration.sla_support import Staff, add_staff, ask, build_sla_services, closures_file  # noqa: F401

PASSWORD = "correct horse battery"
# Thursday 26 November 2026, 10:00 in Brussels (see sla_support).
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


class FakePresence:
    """The presence feature as the panels use it: set_status, get, all, pause_reasons."""

    def __init__(self, clock: FixedClock) -> None:
        self._clock = clock
        self.states: dict[int, AgentState] = {}
        self.calls: list[tuple[int, str, str | None]] = []

    def set_status(self, agent_id: int, status: str, reason: str | None = None) -> AgentState:
        if status not in {"available", "paused", "offline"}:
            raise InvalidInput(f"Not a status an agent sets: {status!r}.", {"status": "one of them"})
        self.calls.append((agent_id, status, reason))
        state = AgentState(agent_id, PresenceStatus(status), self._clock.now(), reason=reason)
        self.states[agent_id] = state
        return state

    def get(self, agent_id: int) -> AgentState:
        return self.states.get(agent_id) or offline(agent_id, self._clock.now())

    def all(self) -> list[AgentState]:
        return list(self.states.values())

    def pause_reasons(self, lang: str = "fr") -> list[dict[str, str]]:
        return [{"code": code, "label": pause_reason_label(code, lang)} for code in DEFAULT_PAUSE_REASONS]


@dataclass
class Desk:
    services: Services
    presence: FakePresence
    staff: Staff
    app: Flask


@pytest.fixture
def desk(make_settings: Any, database_url: str, redis_url: str, closures_file: Any) -> Iterator[Desk]:  # noqa: F811
    settings = make_settings(database_url=database_url, redis_url=redis_url, closures_file=closures_file)
    built = make_desk(settings, FixedClock(T0))
    yield built
    built.services.close()


def make_desk(settings: Any, clock: Any) -> Desk:
    """Wire every feature with a fake presence, add the staff of sla_support, build the app."""
    presence = FakePresence(clock)
    built = build_sla_services(settings, clock, presence=presence)
    return Desk(built, presence, add_staff(built), create_app(built, {"TESTING": True}))


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found, "the page has no CSRF token"
    return found.group(1)


def logged_in(app: Flask, username: str) -> tuple[FlaskClient, str]:
    """Return a client logged in as ``username`` and its CSRF token."""
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, csrf_of(client.get("/agent").get_data(as_text=True))


def record_call(services: Services, call_id: str, number: str = "+32471123456") -> None:
    """Put a call into the CRM, as the call lifecycle does when a call reaches the API."""
    started, answered = T0 - timedelta(minutes=2), T0 - timedelta(minutes=1)
    services.calls.record_finished(FinishedCall(call_id, number, "+3225080000", "inbound", started, T0,
                                                answered_at=answered, outcome="answered"))


__all__ = ["Desk", "FakePresence", "PASSWORD", "T0", "add_staff", "ask", "closures_file", "csrf_of", "desk",
           "logged_in", "record_call"]
