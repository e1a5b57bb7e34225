"""Server-sent events from the live streams: id/event/data lines, keep-alive comments, bounded lifetime.

A stream holds one server thread and one Redis connection (its own), never a database connection: the
handler checks the session before the stream starts and everything else comes from Redis. A stream
ends after ``live_stream_max_s`` (the browser reconnects with Last-Event-ID, and its session is checked
again) or when Redis fails (the browser retries after RETRY_MS).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, request

from callcenter.services.panel_ports import LiveEvent, LiveFeedUnavailable, LiveReader

log = logging.getLogger(__name__)

RETRY_MS = 3000
LAST_EVENT_ID_MAX = 64
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}  # no proxy buffering of the stream


def last_event_id() -> str | None:
    """Return where the browser's stream stopped: the Last-Event-ID header, else ``?last_event_id=``."""
    value = request.headers.get("Last-Event-ID") or request.args.get("last_event_id") or ""
    value = value.strip()
    return value if value and len(value) <= LAST_EVENT_ID_MAX else None


def sse_response(events: Iterator[str]) -> Response:
    """Wrap an iterator of SSE text blocks in a streaming response."""
    return Response(events, mimetype="text/event-stream", headers=HEADERS)


def format_event(kind: str, data: Any, event_id: str | None = None) -> str:
    """Return one SSE block; events without an id leave the browser's Last-Event-ID unchanged."""
    return _frame(kind, json.dumps(data, separators=(",", ":"), default=str), event_id)


def _frame(kind: str, data_json: str, event_id: str | None) -> str:
    """Return one SSE block of data already encoded on one line."""
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {kind}\ndata: {data_json}\n\n"


def relay(reader: LiveReader, *, heartbeat_s: float, max_s: float,
          on_tick: Callable[[], None] = lambda: None) -> Iterator[str]:
    """Yield the reader's events as they come, a keep-alive comment when idle; call on_tick once
    connected, then at most once per half heartbeat (an idle stream wakes once per heartbeat; a busy
    one, e.g. a ring-all popping fifty panels, does not tell Redis again at each event)."""
    end = time.monotonic() + max_s
    try:
        reader.start()  # before the first byte: what is published once the browser sees the stream is in it
        # Where the stream starts, so that a page opened without an id can still resume from here.
        yield f"retry: {RETRY_MS}\n\n" + format_event("connected", {}, reader.position)
        on_tick()
        ticked = time.monotonic()
        while (left := end - time.monotonic()) > 0:
            batch = reader.read(min(heartbeat_s, left))
            yield "".join(_block(e) for e in batch) if batch else ": keep-alive\n\n"
            if time.monotonic() - ticked >= heartbeat_s / 2:
                on_tick()
                ticked = time.monotonic()  # after it: a slow tick does not bring the next one closer
    except LiveFeedUnavailable as exc:
        log.warning("live stream ended: %s", exc)
        yield f"retry: {RETRY_MS}\n\n: live updates unavailable, retrying\n\n"
    finally:
        reader.close()


def _block(event: LiveEvent) -> str:
    return _frame(event.kind, event.data_json, event.id)
