"""The supervision page and the panel's presence on SQLite and PostgreSQL, with the real presence on Redis."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from callcenter.domain.agents import ProfileIn
from callcenter.domain.identity import NewUser, Role
from callcenter.live.streams import agent_stream
from callcenter.services.clock import FixedClock
from callcenter.web.app import create_app
from tests.integration import panel_support
from tests.integration.panel_support import T0, Desk, logged_in
from tests.integration.sla_support import add_staff, build_sla_services

closures_file = panel_support.closures_file  # fixture
pytestmark = pytest.mark.redis


@pytest.fixture
def board(make_settings: Any, database_url: str, redis_url: str, closures_file: Any) -> Iterator[Desk]:  # noqa: F811
    settings = make_settings(database_url=database_url, redis_url=redis_url, closures_file=closures_file,
                             live_stream_max_s=5.0)
    built = build_sla_services(settings, FixedClock(T0))
    staff = add_staff(built)
    built.agents.set_profile("anna", ProfileIn("sip:anna@pbx.example.be", ["fr", "nl"]))
    built.agents.set_profile("alex", ProfileIn("sip:alex@pbx.example.be", ["nl"]))
    yield Desk(built, built.presence, staff, create_app(built, {"TESTING": True}))
    built.close()


def test_a_snapshot_shows_every_agent_the_queue_and_todays_figures(board: Desk) -> None:
    board.services.presence.set_status(board.staff.agent, "paused", "lunch")
    snapshot = board.services.supervision.snapshot()
    assert snapshot["live"] is True and snapshot["waiting"] == []
    assert [(a["name"], a["status"], a["reason"]) for a in snapshot["agents"]] == [
        ("Alex", "offline", None), ("Anna", "paused", "lunch")]
    assert snapshot["today"] == {"answered": 0, "abandoned": 0, "answered_in_time": 0, "share_in_time": None}


def test_the_page_is_for_supervisors_and_coordinators(board: Desk) -> None:
    agent, _ = logged_in(board.app, "anna")
    assert agent.get("/supervisor").status_code == 403
    coordinator, _ = logged_in_supervisor(board)
    page = coordinator.get("/supervisor").get_data(as_text=True)
    assert '<html lang="nl">' in page  # cora reads Dutch
    assert 'id="board-config"' in page and "Wachtende bellers" in page


def test_the_stream_starts_with_a_snapshot(board: Desk) -> None:
    client, _ = logged_in_supervisor(board)
    response = client.get("/supervisor/events")
    assert response.mimetype == "text/event-stream"
    chunks = response.response
    assert next(chunks).decode() == "retry: 3000\n\n"
    block = next(chunks).decode()
    assert block.startswith("event: snapshot\ndata: ")
    snapshot = json.loads(block.split("data: ", 1)[1])
    assert [a["name"] for a in snapshot["agents"]] == ["Alex", "Anna"]
    response.close()


def logged_in_supervisor(board: Desk) -> tuple[Any, str]:
    client = board.app.test_client()
    token = panel_support.csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "cora", "password": panel_support.PASSWORD,
                                           "csrf_token": token})
    assert response.headers["Location"] == "/supervisor"
    return client, token


def test_presence_chosen_in_the_panel_reaches_the_agents_live_stream(board: Desk) -> None:
    client, token = logged_in(board.app, "anna")
    response = client.post("/agent/presence", data={"status": "available", "csrf_token": token},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.json["status"] == "available"
    [(_, fields)] = board.services.redis.xrange(agent_stream(board.staff.agent))
    assert fields[b"kind"] == b"presence" and json.loads(fields[b"data"])["status"] == "available"
    refused = client.post("/agent/presence", data={"status": "on_call", "csrf_token": token})
    assert refused.status_code == 400 and refused.json["fields"]["status"]


def test_an_agent_without_a_profile_is_told_so(board: Desk) -> None:
    zoe = NewUser("zoe", "Zoé", "zoe@mi-is.be", frozenset({Role.AGENT}))
    board.services.identity.create_user(zoe, panel_support.PASSWORD)
    client, _ = logged_in(board.app, "zoe")
    page = client.get("/agent").get_data(as_text=True)
    assert "pas encore de profil" in page and 'role="alert"' in page


def test_agents_whose_last_panel_closed_are_set_offline_by_the_periodic_job(board: Desk) -> None:
    from datetime import timedelta

    from callcenter.jobs import runtime
    from callcenter.jobs.panel_tasks import close_abandoned_panels

    clock = board.services.clock
    board.services.presence.set_status(board.staff.agent, "available")
    board.services.panels.panel_seen(board.staff.agent)
    runtime.set_services(board.services)
    try:
        clock.set(T0 + timedelta(seconds=59))
        assert close_abandoned_panels() == []
        clock.set(T0 + timedelta(seconds=61))
        assert close_abandoned_panels() == [board.staff.agent]
    finally:
        runtime.set_services(None)
    assert board.services.presence.get(board.staff.agent).status.value == "offline"
