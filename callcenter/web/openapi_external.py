"""Operations of /api/v1 routes declared without ``@operation`` (the calendar API), for the OpenAPI document.

Keyed by Flask endpoint; the OpenAPI test fails when a route under /api/v1 has no operation here or
on its view, so a new route of another area is documented before it ships.
"""

from __future__ import annotations

from callcenter.domain.closures import DEFAULT_LANG, LANGS
from callcenter.domain.questions import Track
from callcenter.web.api_operations import Operation, Param
from callcenter.web.schema_parts import choice

_LANG = Param("lang", choice(LANGS), f"Language of the reasons and names (default {DEFAULT_LANG}).")
_MOMENT = "ISO 8601 date-time; without an offset, office time (Europe/Brussels)."
_CACHED = "Public; may be cached for a few minutes (15 s when about now)."

EXTERNAL_OPERATIONS: dict[str, Operation] = {
    "calendar_api.status": Operation(
        "Is the office open (now or at a moment)?", "Calendar", {200: "CalendarStatus"},
        query=(Param("at", {"type": "string"}, _MOMENT + " Default: now."), _LANG), description=_CACHED),
    "calendar_api.deadline": Operation(
        "When is a question received at a moment due?", "Calendar", {200: "Deadline"},
        query=(Param("received", {"type": "string"}, _MOMENT, required=True),
               Param("track", choice(Track), "SLA track (default standard)."), _LANG),
        description=_CACHED),
    "calendar_api.closures": Operation(
        "Days the office is closed", "Calendar", {200: "ClosedDays"},
        query=(Param("year", {"type": "integer", "minimum": 2000, "maximum": 2100}, "Default: this year."),
               _LANG), description=_CACHED),
}
