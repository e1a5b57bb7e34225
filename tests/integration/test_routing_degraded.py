"""Redis unreachable: calls still get a decision from the database's last known presence, and a record."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from callcenter.bootstrap import Services
from callcenter.services.clock import FixedClock
from tests.integration.routing_support import (  # noqa: F401
    CITIZEN,
    OUR_NUMBER,
    T0,
    add_agent,
    client,
    routed_services,
    routing_services,
    signed_post,
)

pytestmark = pytest.mark.redis

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def without_redis(make_settings: Any, database_url: str) -> Iterator[Any]:
    """Build services on the same database whose Redis does not answer."""
    built: list[Services] = []

    def build() -> Services:
        settings = make_settings(database_url=database_url, redis_url=DEAD_REDIS, cti_secret="test-secret")
        built.append(routing_services(settings, FixedClock(T0)))
        return built[-1]

    yield build
    for services in built:
        services.close()


def route(services: Services, call_id: str) -> dict[str, Any]:
    body = {"call_id": call_id, "request_id": f"r-{call_id}", "from": CITIZEN, "to": OUR_NUMBER, "round": 1}
    response = signed_post(client(services), services, "/cti/v1/route", body)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def test_the_last_presence_known_to_the_database_still_routes_calls(routed: Services,
                                                                     without_redis: Any) -> None:
    marie = add_agent(routed, "marie")  # available in Redis, and in the database's copy
    degraded = without_redis()
    assert [t["agent_id"] for t in route(degraded, "c1")["targets"]] == [marie]
    assert route(degraded, "c2") == {"action": "wait", "retry_after_s": 2}  # marie is not offered twice
    assert degraded.call_lifecycle.record("c2")["from"] == CITIZEN
    assert degraded.presence.get(marie).status == "ringing"


def test_without_redis_the_whole_call_runs_on_the_database(without_redis: Any) -> None:
    services = without_redis()
    jan = add_agent(services, "jan")
    route(services, "c1")
    for event_id, kind, extra in (("e1", "answer", {"agent": "jan"}), ("e2", "hangup", {"cause": "normal"})):
        response = signed_post(client(services), services, "/cti/v1/events",
                               {"event_id": event_id, "event": kind, "call_id": "c1", **extra})
        assert response.status_code == 200, response.get_json()
    assert services.call_lifecycle.record("c1")["outcome"] == "answered"
    assert services.presence.get(jan).status == "wrap_up"


def test_the_degradation_shows_in_healthz_and_for_supervisors(without_redis: Any) -> None:
    services = without_redis()
    response = client(services).get("/healthz")
    routing = response.get_json()["routing"]
    assert (routing["ok"], routing["mode"], routing["required"]) == (False, "database", False)
    assert services.call_lifecycle.routing_health()["detail"].startswith("calls are routed from the database")


def test_a_redis_restarted_empty_is_filled_from_the_database(routed: Services, redis_url: str) -> None:
    import redis

    marie = add_agent(routed, "marie")
    redis.Redis.from_url(redis_url).flushdb()  # as if Redis restarted without its data
    assert [t["agent_id"] for t in route(routed, "c1")["targets"]] == [marie]
    assert routed.call_lifecycle.routing_health() == {"ok": True, "mode": "redis"}


def test_a_redis_holding_the_former_hash_keys_is_filled_from_the_database(routed: Services,
                                                                          redis_url: str) -> None:
    # Until 2026-11-27 the states were hashes (cc:presence:<id>, cc:routing:call:<id>) and the marker
    # was cc:routing:seeded. A node of this version reads none of them: it fills its own keys from the
    # database's last known presence (marie available), whatever the former keys said (paused).
    import redis

    marie = add_agent(routed, "marie")
    server = redis.Redis.from_url(redis_url)
    server.flushdb()
    paused = {"status": "paused", "since": T0.isoformat(), "reason": "lunch"}
    server.hset(f"cc:presence:{marie}", mapping=paused)
    server.sadd("cc:presence:agents", marie)
    server.set("cc:routing:seeded", "1")
    assert [t["agent_id"] for t in route(routed, "c1")["targets"]] == [marie]
    assert routed.presence.get(marie).status == "ringing"
    assert server.type(f"cc:presence:{marie}") == b"hash"  # left as it was


def _wait_step(services: Services, call_id: str, step: int) -> dict[str, Any]:
    body = {"call_id": call_id, "request_id": f"r-{call_id}-{step}", "from": CITIZEN, "to": OUR_NUMBER,
            "round": 1}
    response = signed_post(client(services), services, "/cti/v1/route", body)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


@pytest.mark.parametrize("redis", ["up", "down"])
def test_each_wait_step_keeps_the_databases_copy_of_when_the_caller_was_last_seen(
        routed: Services, without_redis: Any, redis: str) -> None:
    # A step that changes nothing but the time writes it with the routing row, after the decision: a
    # Redis lost later must still find the caller fresh in the database, not dropped as gone.
    services = routed if redis == "up" else without_redis()
    clock = services.clock
    assert isinstance(clock, FixedClock)
    for step, seconds in enumerate((0, 5, 11)):
        clock.set(T0 + timedelta(seconds=seconds))
        assert _wait_step(services, "c1", step)["action"] == "wait"
        with services.uow() as uow:
            record = uow.call_records.get("c1")
        assert record is not None and record.last_seen == T0 + timedelta(seconds=seconds)


def test_live_updates_go_out_while_the_step_writes_and_after_its_commit_once_redis_failed(
        routed: Services, without_redis: Any) -> None:
    # Seen from another connection when each step publishes: its legs not yet committed while Redis
    # answers (sent while the database writes them), committed once Redis has failed (a publish that
    # times out must not hold the rows the step locked).
    seen: list[int] = []

    def watch(services: Services) -> None:
        publish = services.call_lifecycle._publish

        def publish_and_look(call_id: str, effects: Any) -> None:
            with services.engine.connect() as other:
                seen.append(other.exec_driver_sql(
                    f"SELECT count(*) FROM call_legs WHERE call_id = '{call_id}'").scalar_one())
            publish(call_id, effects)

        services.call_lifecycle._publish = publish_and_look  # type: ignore[method-assign]

    add_agent(routed, "marie")
    watch(routed)
    assert route(routed, "c1")["action"] == "ring"
    add_agent(routed, "jan")  # free for the next call
    degraded = without_redis()
    watch(degraded)
    assert route(degraded, "c2")["action"] == "ring"
    assert seen == [0, 1]
