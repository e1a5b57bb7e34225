"""The SSE relay of a live stream: events relayed as stored, the panel marked seen not at every event."""

from __future__ import annotations

import functools
import time

from callcenter.live.streams import _event
from callcenter.services.panel_ports import LiveEvent
from callcenter.web.live import relay


class BusyReader:
    """A stream that has a new event at every read, a millisecond apart."""

    def __init__(self) -> None:
        self.position: str | None = None
        self.reads = 0
        self.closed = False

    def start(self) -> None:
        self.position = self.position or "0-0"

    def read(self, timeout_s: float) -> list[LiveEvent]:
        time.sleep(0.001)
        self.reads += 1
        data = f'{{"call_id":"c{self.reads}","lookup":{{"unknown":true}}}}'
        return [LiveEvent(f"{self.reads}-0", "screen_pop", data)]

    def close(self) -> None:
        self.closed = True


def test_events_are_relayed_with_their_data_as_stored() -> None:
    reader = BusyReader()
    stream = relay(reader, heartbeat_s=10.0, max_s=5.0)
    assert next(stream) == "retry: 3000\n\nid: 0-0\nevent: connected\ndata: {}\n\n"
    assert next(stream) == 'id: 1-0\nevent: screen_pop\ndata: {"call_id":"c1","lookup":{"unknown":true}}\n\n'
    stream.close()
    assert reader.closed


def test_a_busy_stream_marks_the_panel_seen_at_most_once_per_half_heartbeat() -> None:
    for heartbeat_s, most in ((10.0, 1), (0.2, 1 + 0.6 / 0.1 + 1)):
        reader, ticks = BusyReader(), []
        for _ in relay(reader, heartbeat_s=heartbeat_s, max_s=0.6, on_tick=functools.partial(_tick, ticks)):
            pass
        assert reader.reads > 100  # many events relayed…
        assert 1 <= len(ticks) <= most  # …the panel marked seen once connected, then every half heartbeat
        if heartbeat_s < 1:
            assert len(ticks) >= 3
            assert all(b - a >= heartbeat_s / 2 for a, b in zip(ticks, ticks[1:], strict=False))


def test_a_stream_entry_is_relayed_only_as_one_json_object_on_one_line() -> None:
    assert _event(b"1-0", {b"kind": b"presence", b"data": b'{"status":"ringing"}'}) == LiveEvent(
        "1-0", "presence", '{"status":"ringing"}')
    assert _event(b"1-0", {b"kind": b"presence", b"data": b'{"a":\n"b"}'}).data_json == "{}"
    assert _event(b"1-0", {b"kind": b"presence", b"data": b"[1, 2]"}).data_json == "{}"
    assert _event(b"1-0", {b"kind": b"presence"}).data == {}
    assert _event("2-0", {"data": '{"n":1}'}) == LiveEvent("2-0", "message", '{"n":1}')


def _tick(ticks: list[float]) -> None:
    ticks.append(time.monotonic())
