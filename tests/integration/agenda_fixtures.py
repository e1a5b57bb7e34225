"""Shared data of the agenda integration tests: users, topics, an iCalendar feed, a loopback server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import insert

from callcenter.domain.identity import NewUser, Role

# Tuesday 1 December 2026, 10:00 in Brussels: a working day, the office is open.
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

FEED = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//callcenter tests//EN
BEGIN:VEVENT
UID:single-1
DTSTART;TZID=Europe/Brussels:20261201T093000
DTEND;TZID=Europe/Brussels:20261201T110000
SUMMARY:Réunion d'équipe
END:VEVENT
BEGIN:VEVENT
UID:allday-1
DTSTART;VALUE=DATE:20261203
SUMMARY:Congé
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:free-1
DTSTART;TZID=Europe/Brussels:20261201T140000
DTEND;TZID=Europe/Brussels:20261201T150000
SUMMARY:Lecture (free time)
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:cancelled-1
DTSTART;TZID=Europe/Brussels:20261201T120000
DTEND;TZID=Europe/Brussels:20261201T123000
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
UID:weekly-1
DTSTART;TZID=Europe/Brussels:20261202T130000
DTEND;TZID=Europe/Brussels:20261202T140000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Europe/Brussels:20261209T130000
SUMMARY:Permanence
END:VEVENT
BEGIN:VEVENT
UID:weekly-1
RECURRENCE-ID;TZID=Europe/Brussels:20261216T130000
DTSTART;TZID=Europe/Brussels:20261216T150000
DTEND;TZID=Europe/Brussels:20261216T160000
SUMMARY:Permanence (moved)
END:VEVENT
BEGIN:VEVENT
UID:utc-1
DTSTART:20261201T150000Z
DTEND:20261201T153000Z
SUMMARY:Call
CLASS:PRIVATE
END:VEVENT
BEGIN:VEVENT
UID:floating-1
DTSTART:20261204T090000
DTEND:20261204T100000
SUMMARY:Formation
END:VEVENT
BEGIN:VEVENT
UID:old-1
DTSTART;TZID=Europe/Brussels:20261001T090000
DTEND;TZID=Europe/Brussels:20261001T100000
END:VEVENT
END:VCALENDAR
"""

# Brussels wall-clock spans of the busy periods FEED yields from NOW on.
FEED_SPANS = {
    ("2026-12-01T09:30", "2026-12-01T11:00"),
    ("2026-12-03T00:00", "2026-12-04T00:00"),
    ("2026-12-02T13:00", "2026-12-02T14:00"),
    ("2026-12-16T15:00", "2026-12-16T16:00"),
    ("2026-12-23T13:00", "2026-12-23T14:00"),
    ("2026-12-01T16:00", "2026-12-01T16:30"),
    ("2026-12-04T09:00", "2026-12-04T10:00"),
}


def add_user(services: Any, username: str, active: bool = True) -> int:
    user, _ = services.identity.create_user(
        NewUser(username, username.title(), f"{username}@mi-is.be", frozenset({Role.EXPERT})), None)
    if not active:
        services.identity.disable(username)
    return int(user.id)


def add_topic(services: Any, code: str) -> None:
    from callcenter.db.models.crm import TopicRow

    names = {f"name_{lang}": f"{code} ({lang})" for lang in ("fr", "nl", "de", "en")}
    with services.engine.begin() as conn:
        conn.execute(insert(TopicRow).values(code=code, active=True, faq_reference=None, **names))


@contextmanager
def serve_calendars(files: dict[str, bytes | int]) -> Iterator[str]:
    """Serve {path: body or HTTP status} on 127.0.0.1; yield the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            body = files.get(self.path, 404)
            if isinstance(body, int):
                self.send_error(body)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
