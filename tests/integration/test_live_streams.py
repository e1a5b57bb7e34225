"""The live streams on the real Redis: publishing, capped streams, reading after an id, Redis down, panels."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from callcenter.live.panels import PANELS_KEY, RedisPanelRegistry
from callcenter.live.streams import (
    SUPERVISORS_STREAM,
    RedisLiveFeed,
    RedisStreamPublisher,
    agent_stream,
)
from callcenter.services.panel_ports import LiveFeedUnavailable

pytestmark = pytest.mark.redis
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    built = redis.Redis.from_url(redis_url)
    yield built
    built.close()


def dead_client() -> redis.Redis:
    """A client of a port nobody listens on: every command fails at once."""
    return redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5, socket_timeout=0.5,
                       retry=Retry(NoBackoff(), 0))


def test_publish_appends_kind_and_json_data_and_returns_the_entry_id(client: redis.Redis) -> None:
    publisher = RedisStreamPublisher(client)
    entry = publisher.to_agent(7, "screen_pop", {"call_id": "c1", "lookup": {"unknown": True}})
    supervisors = publisher.to_supervisors("queue", {"waiting": 2})

    [(entry_id, fields)] = client.xrange(agent_stream(7))
    assert entry_id.decode() == entry
    assert fields == {b"kind": b"screen_pop", b"data": b'{"call_id":"c1","lookup":{"unknown":true}}'}
    assert client.xrange(SUPERVISORS_STREAM)[0][0].decode() == supervisors
    assert 0 < client.ttl(agent_stream(7)) <= 24 * 3600


def test_streams_are_capped(client: redis.Redis) -> None:
    publisher = RedisStreamPublisher(client, maxlen=50)
    for n in range(1000):
        publisher.to_agent(1, "presence", {"n": n})
    # MAXLEN ~ trims whole macro-nodes: the stream stays near the cap, never grows with the traffic.
    assert 50 <= client.xlen(agent_stream(1)) < 250


def test_publishing_without_redis_returns_none_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    publisher = RedisStreamPublisher(dead_client())
    with caplog.at_level(logging.WARNING, "callcenter.live.streams"):
        assert publisher.to_agent(1, "screen_pop", {"call_id": "c1"}) is None
        assert RedisStreamPublisher(None).to_supervisors("queue", {}) is None
    assert "screen_pop" in caplog.text and "lost" in caplog.text


def test_a_reader_without_an_id_starts_after_the_newest_event(client: redis.Redis) -> None:
    publisher = RedisStreamPublisher(client)
    publisher.to_agent(3, "presence", {"status": "available"})
    reader = RedisLiveFeed(client, longest_wait_s=1).agent(3, None)
    try:
        assert reader.read(0.05) == []
        new = publisher.to_agent(3, "screen_pop", {"call_id": "c2"})
        [event] = reader.read(1)
        assert (event.id, event.kind, event.data) == (new, "screen_pop", {"call_id": "c2"})
    finally:
        reader.close()


def test_a_reader_after_an_id_replays_what_followed_it_in_order(client: redis.Redis) -> None:
    publisher = RedisStreamPublisher(client)
    seen = publisher.to_agent(4, "presence", {"n": 0})
    missed = [publisher.to_agent(4, "screen_pop", {"n": n}) for n in (1, 2, 3)]
    reader = RedisLiveFeed(client, longest_wait_s=1).agent(4, seen)
    try:
        events = reader.read(1)
        assert [e.id for e in events] == missed
        assert [e.data["n"] for e in events] == [1, 2, 3]
        assert reader.read(0.05) == []  # it goes on after the last one delivered
    finally:
        reader.close()


def test_a_malformed_last_event_id_counts_as_none(client: redis.Redis) -> None:
    RedisStreamPublisher(client).to_agent(5, "presence", {"n": 0})
    reader = RedisLiveFeed(client, longest_wait_s=1).agent(5, "0-0'; FLUSHALL")
    try:
        assert reader.read(0.05) == []
    finally:
        reader.close()


def test_a_blocking_read_waits_about_its_timeout(client: redis.Redis) -> None:
    reader = RedisLiveFeed(client, longest_wait_s=1).agent(6, None)
    try:
        started = time.monotonic()
        assert reader.read(0.3) == []
        assert 0.25 <= time.monotonic() - started < 2
    finally:
        reader.close()


def test_reading_without_redis_raises_feed_unavailable() -> None:
    reader = RedisLiveFeed(dead_client(), longest_wait_s=1).agent(1, None)
    with pytest.raises(LiveFeedUnavailable):
        reader.read(0.1)
    with pytest.raises(LiveFeedUnavailable):
        RedisLiveFeed(None, longest_wait_s=1).supervisors(None).read(0.1)


def test_panels_unseen_since_a_time_are_taken_once(client: redis.Redis) -> None:
    registry = RedisPanelRegistry(client)
    registry.seen(1, T0)
    registry.seen(2, T0 + timedelta(seconds=50))
    registry.seen(3, T0 + timedelta(seconds=10))
    registry.seen(3, T0)  # never moves back: another panel of agent 3 was seen later
    assert registry.take_unseen_since(T0 + timedelta(seconds=20)) == [1, 3]
    assert registry.take_unseen_since(T0 + timedelta(seconds=20)) == []
    registry.forget(2)
    assert client.zcard(PANELS_KEY) == 0


def test_panels_without_redis_are_not_tracked() -> None:
    registry = RedisPanelRegistry(dead_client())
    registry.seen(1, T0)  # logged, not raised: the live stream itself notices Redis is down
    registry.forget(1)
    assert RedisPanelRegistry(None).take_unseen_since(T0) == []
