"""Public, read-only calendar API: /api/v1/calendar/status, /deadline and /closures (JSON like the CLI).

Query times without an offset are office wall-clock time; ``lang`` is fr, nl, de or en (default en).
Answers about a given moment or year may be cached publicly for a few minutes: they only change when
operators edit the closures. Bad input raises domain errors, which web.errors turns into 400 envelopes.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, jsonify, request

from callcenter.domain.calendar_input import parse_year
from callcenter.domain.closures import DEFAULT_LANG
from callcenter.domain.errors import InvalidInput
from callcenter.web.app import services

bp = Blueprint("calendar_api", __name__, url_prefix="/api/v1/calendar")

# A closure edit shows within this long (plus the service's file re-check interval).
_FIXED_MAX_AGE_S = 300
# "Now" changes: keep the cached answer short so a closing at 16:30 is not reported at 16:31.
_NOW_MAX_AGE_S = 15
# An unencoded "+01:00" in a query string arrives as " 01:00": a space right after a time is that plus.
_SPACED_OFFSET = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


@bp.get("/status")
def status() -> Response:
    calendar = services().calendar
    at_text = _time_arg("at")
    at = calendar.parse_datetime(at_text, "at") if at_text else None
    result = calendar.status(at, request.args.get("lang", DEFAULT_LANG))
    return _cached(jsonify(result.as_dict()), _FIXED_MAX_AGE_S if at else _NOW_MAX_AGE_S)


@bp.get("/deadline")
def deadline() -> Response:
    calendar = services().calendar
    received_text = _time_arg("received")
    if not received_text:
        raise InvalidInput("The query parameter received is required (e.g. ?received=2026-12-24T10:00).",
                           {"received": "required"})
    received = calendar.parse_datetime(received_text, "received")
    result = calendar.deadline(received, request.args.get("track", "standard"),
                               request.args.get("lang", DEFAULT_LANG))
    return _cached(jsonify(result.as_dict()), _FIXED_MAX_AGE_S)


@bp.get("/closures")
def closures() -> Response:
    year_text = request.args.get("year")
    year = parse_year(year_text) if year_text else None
    days = services().calendar.closures(year, request.args.get("lang", DEFAULT_LANG))
    return _cached(jsonify([day.as_dict() for day in days]), _FIXED_MAX_AGE_S if year else _NOW_MAX_AGE_S)


def _time_arg(name: str) -> str | None:
    value = request.args.get(name)
    return _SPACED_OFFSET.sub(r"\1+\2", value) if value else None


def _cached(response: Response, max_age_s: int) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={max_age_s}"
    return response
