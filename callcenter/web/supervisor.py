"""The supervision page: agents and their states, callers waiting, today's figures, updated live.

The page's stream (GET /supervisor/events) sends a fresh snapshot as soon as anything is published on
the supervisors' live stream, and every few seconds anyway; while Redis is down it keeps sending the
snapshots (built from the database's last known states, flagged as such) without the live stream.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, render_template, url_for
from flask.typing import ResponseReturnValue

from callcenter.services.panel_ports import LiveFeedUnavailable, LiveReader
from callcenter.web import agent_text as text
from callcenter.web.app import services
from callcenter.web.auth import current_principal, require_role
from callcenter.web.live import RETRY_MS, format_event, sse_response
from callcenter.web.staff import SUPERVISING, guard, page_context

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")
guard(bp)

SNAPSHOT_EVERY_S = 5.0


@bp.get("")
@require_role(*SUPERVISING)
def board() -> str:
    context = page_context(current_principal())
    lang = context["lang"]
    settings = services().settings
    config = {
        "lang": lang, "locale": f"{lang}-BE", "timezone": settings.timezone,
        "text": text.board_text(),
        "pause_reasons": {r["code"]: r["label"] for r in services().presence.pause_reasons(lang)},
        "urls": {"events": url_for("supervisor.events"), "ping": url_for("supervisor.ping"),
                 "login": url_for("staff.login_form")},
    }
    return render_template("supervisor/board.html", config=config, **context)


@bp.get("/events")
@require_role(*SUPERVISING)
def events() -> ResponseReturnValue:
    s = services()  # the stream runs after the request context: take what it needs now
    return sse_response(snapshots(s.live_feed.supervisors(None), s.supervision.snapshot,
                                  every_s=SNAPSHOT_EVERY_S, max_s=s.settings.live_stream_max_s))


@bp.get("/ping")
@require_role(*SUPERVISING)
def ping() -> ResponseReturnValue:
    """Keep the session of an open supervision page alive (the login check refreshes it)."""
    return "", 204


def snapshots(reader: LiveReader, snapshot: Callable[[], dict[str, Any]], *, every_s: float,
              max_s: float) -> Iterator[str]:
    """Yield a snapshot now, after each batch of live events, and at least every ``every_s``."""
    end = time.monotonic() + max_s
    try:
        try:
            reader.start()
        except LiveFeedUnavailable:
            pass  # the snapshots come anyway; each read below tries Redis again
        yield f"retry: {RETRY_MS}\n\n"
        yield format_event("snapshot", snapshot())
        while (left := end - time.monotonic()) > 0:
            wait = min(every_s, left)
            try:
                reader.read(wait)
            except LiveFeedUnavailable:
                time.sleep(wait)  # Redis is down: the snapshots still come, from the database
            yield format_event("snapshot", snapshot())
    finally:
        reader.close()
