"""The agent's live stream over real HTTP: SSE framing, keep-alives, replay after a reconnect, panels seen.

The app runs in a threaded WSGI server on a free port, on SQLite and PostgreSQL with the real Redis;
the test reads the stream with http.client, as a browser's EventSource would.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.serving import make_server

from callcenter.live.panels import PANELS_KEY
from callcenter.services.clock import SystemClock
from tests.integration import panel_support
from tests.integration.panel_support import PASSWORD, Desk, csrf_of, make_desk

closures_file = panel_support.closures_file  # fixture
pytestmark = pytest.mark.redis
TIMEOUT_S = 10


@dataclass
class Server:
    desk: Desk
    port: int

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_S)


@pytest.fixture
def server(make_settings: Any, database_url: str, redis_url: str, closures_file: Any) -> Iterator[Server]:  # noqa: F811
    settings = make_settings(database_url=database_url, redis_url=redis_url, closures_file=closures_file,
                             live_heartbeat_s=0.3, live_stream_max_s=3.0)
    desk = make_desk(settings, SystemClock())
    httpd = make_server("127.0.0.1", 0, desk.app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(desk, httpd.server_port)
    finally:
        httpd.shutdown()
        thread.join(TIMEOUT_S)
        desk.services.close()


def login(server: Server, username: str = "anna") -> str:
    """Log in over HTTP; return the session cookie."""
    conn = server.connect()
    conn.request("GET", "/login")
    response = conn.getresponse()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = csrf_of(response.read().decode())
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token})
    form = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    conn.request("POST", "/login", body, form)
    response = conn.getresponse()
    response.read()
    assert response.status == 302
    conn.close()
    return response.getheader("Set-Cookie", "").split(";")[0]


class Stream:
    """One open event stream, read block by block (a block ends with an empty line)."""

    def __init__(self, server: Server, cookie: str, headers: dict[str, str] | None = None,
                 query: str = "") -> None:
        self.conn = server.connect()
        self.conn.request("GET", f"/agent/events{query}", headers={"Cookie": cookie, **(headers or {})})
        self.response = self.conn.getresponse()

    def block(self) -> list[str]:
        lines = []
        while (line := self.response.readline().decode()) not in ("\n", ""):
            lines.append(line.rstrip("\n"))
        return lines

    def next_event(self) -> dict[str, str]:
        """Return the next event's fields, skipping retry hints and keep-alive comments."""
        while True:
            lines = self.block()
            if not lines:
                raise AssertionError("the stream ended")
            fields = dict(line.split(": ", 1) for line in lines if not line.startswith(":"))
            if "event" in fields:
                return fields

    def close(self) -> None:
        self.conn.close()


def publish(server: Server, n: int) -> str:
    entry = server.desk.services.live.to_agent(server.desk.staff.agent, "screen_pop", {"call_id": f"c{n}"})
    assert entry is not None
    return str(entry)


def test_events_missed_while_disconnected_are_replayed_after_a_reconnect(server: Server) -> None:
    cookie = login(server)
    before = publish(server, 0)  # before the panel opened: not for this stream
    stream = Stream(server, cookie)
    assert stream.response.status == 200
    assert stream.response.getheader("Content-Type").startswith("text/event-stream")
    assert stream.block() == ["retry: 3000"]
    assert stream.next_event() == {"id": before, "event": "connected", "data": "{}"}  # where it starts
    first = publish(server, 1)
    assert stream.next_event() == {"id": first, "event": "screen_pop", "data": '{"call_id":"c1"}'}
    stream.close()

    missed = [publish(server, n) for n in (2, 3)]
    again = Stream(server, cookie, {"Last-Event-ID": first})
    assert again.next_event()["id"] == first
    assert [again.next_event()["id"] for _ in missed] == missed
    again.close()
    by_query = Stream(server, cookie, query=f"?last_event_id={missed[0]}")
    assert by_query.next_event()["event"] == "connected"
    assert by_query.next_event()["data"] == '{"call_id":"c3"}'
    by_query.close()


def test_an_idle_stream_sends_keep_alives_marks_the_panel_seen_and_ends_in_time(server: Server) -> None:
    cookie = login(server)
    started = time.monotonic()
    stream = Stream(server, cookie)
    blocks = []
    while block := stream.block():
        blocks.append(block)
    assert blocks[0] == ["retry: 3000"] and blocks[1][1:] == ["event: connected", "data: {}"]
    assert [": keep-alive"] in blocks
    assert 2.5 < time.monotonic() - started < 3 + TIMEOUT_S / 2  # live_stream_max_s: the browser reconnects
    redis = server.desk.services.redis
    assert redis.zscore(PANELS_KEY, str(server.desk.staff.agent)) is not None
    stream.close()


def test_the_stream_is_for_logged_in_agents_only(server: Server) -> None:
    anonymous = Stream(server, "session=none")
    assert anonymous.response.status == 401
    anonymous.close()
    coordinator = Stream(server, login(server, "cora"))
    assert coordinator.response.status == 403
    coordinator.close()
