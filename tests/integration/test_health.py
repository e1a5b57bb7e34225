"""GET /healthz on real databases and Redis: green, degraded, and 503 when a required part is down."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from rq import Worker

from callcenter.bootstrap import build_services
from callcenter.jobs.scheduler import write_heartbeat
from callcenter.web.app import create_app

pytestmark = pytest.mark.redis

DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/test"


@pytest.fixture
def healthz(make_settings) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """Answer GET /healthz of an app built on the given settings: (status, body, seconds taken)."""
    built: list[Any] = []

    def get(**settings: Any) -> tuple[int, dict[str, Any], float]:
        services = build_services(make_settings(**settings))
        built.append(services)
        client: FlaskClient = create_app(services).test_client()
        started = time.monotonic()
        response = client.get("/healthz")
        return response.status_code, response.get_json(), time.monotonic() - started

    yield get
    for services in built:
        services.close()


@pytest.fixture
def live_worker_and_scheduler(redis_url: str) -> Iterator[None]:
    """Register an RQ worker and a scheduler heartbeat, as running processes would."""
    import redis as redis_lib

    from callcenter.services.clock import SystemClock

    client = redis_lib.Redis.from_url(redis_url)
    worker = Worker(["default"], connection=client)
    worker.register_birth()
    write_heartbeat(client, SystemClock().now(), ttl_s=60)
    yield
    worker.register_death()
    client.close()


def test_green_with_database_redis_worker_and_scheduler(healthz: Any, database_url: str, redis_url: str,
                                                        live_worker_and_scheduler: None) -> None:
    status, body, _ = healthz(database_url=database_url, redis_url=redis_url)
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["database"]["revision"] == body["database"]["head"]
    assert body["redis"]["ok"] and body["redis"]["mode"] == "external" and body["redis"]["required"]
    assert body["workers"]["count"] == 1
    assert body["scheduler"]["ok"] and body["scheduler"]["age_s"] < 10


def test_degraded_but_200_without_workers_or_scheduler(healthz: Any, database_url: str,
                                                       redis_url: str) -> None:
    status, body, _ = healthz(database_url=database_url, redis_url=redis_url)
    assert status == 200
    assert body["status"] == "degraded"
    assert body["workers"] == {"ok": False, "count": 0, "required": False}
    assert body["scheduler"]["ok"] is False


def test_503_when_redis_is_unreachable(healthz: Any, database_url: str) -> None:
    status, body, seconds = healthz(database_url=database_url, redis_url=DEAD_REDIS)
    assert status == 503
    assert body["status"] == "down"
    assert body["database"]["ok"] is True
    assert body["redis"]["ok"] is False and "Error" in body["redis"]["error"]
    assert seconds < 5


@pytest.mark.postgres
def test_503_when_the_database_is_unreachable(healthz: Any, redis_url: str) -> None:
    status, body, seconds = healthz(database_url=DEAD_POSTGRES, redis_url=redis_url)
    assert status == 503
    assert body["database"]["ok"] is False and "OperationalError" in body["database"]["error"]
    assert body["redis"]["ok"] is True
    assert seconds < 5


def test_503_when_the_schema_is_not_migrated(healthz: Any, tmp_path: Any, redis_url: str) -> None:
    status, body, _ = healthz(database_url=f"sqlite:///{tmp_path / 'empty.db'}", redis_url=redis_url)
    assert status == 503
    assert body["database"]["revision"] == [] and body["database"]["head"]
    assert "callcenter db upgrade" in body["database"]["error"]


def test_503_in_a_process_without_redis(make_settings, database_url: str) -> None:  # type: ignore[no-untyped-def]
    services = build_services(make_settings(database_url=database_url), no_redis=True)
    try:
        status, body = services.health.report()
    finally:
        services.close()
    assert status == 503
    assert body["redis"]["error"] == "this process runs without Redis"
    assert body["workers"]["ok"] is False


def test_ffmpeg_is_reported(healthz: Any, database_url: str, redis_url: str) -> None:
    _, body, _ = healthz(database_url=database_url, redis_url=redis_url)
    ffmpeg = body["ffmpeg"]
    assert ffmpeg["required"] is False
    assert ffmpeg["ok"] is False or ffmpeg["version"].startswith("ffmpeg version")
