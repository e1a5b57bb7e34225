"""The Redis rate limiter against the real Redis: shared counts, expiry, and the fallback when Redis fails."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis

from callcenter.rate_limit import REDIS_TIMEOUT_S, RedisRateLimiter, build_rate_limiter
from callcenter.services.clock import FixedClock

pytestmark = pytest.mark.redis

T0 = datetime(2026, 11, 26, 9, 5, 0, tzinfo=UTC)  # 300 s into a 600-s window


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


def _limiter(client: redis.Redis, clock: FixedClock, limit: int = 3) -> RedisRateLimiter:
    limiter = build_rate_limiter(client, clock, limit=limit, window_s=600, secret="k", prefix="rate:test")
    assert isinstance(limiter, RedisRateLimiter)
    return limiter


def test_processes_share_one_count_per_client_and_window(client: redis.Redis) -> None:
    clock = FixedClock(T0)
    web_1, web_2 = _limiter(client, clock), _limiter(client, clock)
    answers = [web_1.hit("192.0.2.1").allowed, web_2.hit("192.0.2.1").allowed, web_1.hit("192.0.2.1").allowed]
    assert answers == [True, True, True]
    refused = web_2.hit("192.0.2.1")
    assert not refused.allowed and refused.retry_after_s == 300
    assert web_1.hit("192.0.2.2").allowed  # another client has its own count
    clock.set(datetime(2026, 11, 26, 9, 10, 0, tzinfo=UTC))
    assert web_2.hit("192.0.2.1").allowed  # a new window starts from zero


def test_counts_expire_with_their_window(client: redis.Redis) -> None:
    _limiter(client, FixedClock(T0)).hit("192.0.2.1")
    [key] = client.keys("rate:test:*")
    assert 0 < client.ttl(key) <= 601
    assert b"192.0.2.1" not in key


def test_while_redis_is_unreachable_the_process_keeps_counting_without_waiting() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = redis.Redis(host="127.0.0.1", port=port)
    clock = FixedClock(T0)
    limiter = build_rate_limiter(dead, clock, limit=2, window_s=600, secret="k", prefix="rate:test")
    started = time.monotonic()
    assert [limiter.hit("192.0.2.1").allowed for _ in range(3)] == [True, True, False]
    assert time.monotonic() - started < 2 * REDIS_TIMEOUT_S  # no retries, and Redis is left alone after
    dead.close()
