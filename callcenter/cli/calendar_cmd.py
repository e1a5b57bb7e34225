"""`callcenter calendar status|deadline|closures`: the office calendar as JSON (ISO 8601 with offset).

Times typed without an offset are office wall-clock time (setting timezone, Europe/Brussels).
Names and reasons come in --lang: fr, nl, de or en (default en). Only the calendar service is built,
so these commands need neither the database nor Redis.
"""

from __future__ import annotations

import argparse
from typing import Any

from callcenter.cli.output import print_json
from callcenter.domain.calendar_input import parse_year
from callcenter.domain.closures import DEFAULT_LANG, LANGS
from callcenter.services.calendar_service import CalendarService
from callcenter.settings import Settings

_LANG_HELP = f"language of names and reasons: {', '.join(LANGS)} (default {DEFAULT_LANG})"


def register(sub: Any) -> None:
    p = sub.add_parser("calendar", help="opening status, working-day deadlines and closures of the office")
    csub = p.add_subparsers(dest="calendar_command", required=True)
    status = csub.add_parser("status", help="is the office open, why not, and when does that change")
    status.add_argument("--at", help="moment to look at, ISO 8601 (default now), e.g. 2026-12-25T10:00")
    status.set_defaults(handler=run_status)
    deadline = csub.add_parser("deadline", help="when a question received at a moment is due")
    deadline.add_argument("--received", required=True,
                          help="when the question came in, ISO 8601, e.g. 2026-12-24T10:00")
    deadline.add_argument("--track", default="standard", help="standard (default) or competence")
    deadline.set_defaults(handler=run_deadline)
    closures = csub.add_parser("closures", help="the weekdays the office is closed in a year")
    closures.add_argument("--year", help="year to list (default this year)")
    closures.set_defaults(handler=run_closures)
    for command in (status, deadline, closures):
        command.add_argument("--lang", default=DEFAULT_LANG, help=_LANG_HELP)


def _service(settings: Settings) -> CalendarService:
    from callcenter.calendar_files import build_calendar_service
    from callcenter.services.clock import SystemClock

    return build_calendar_service(settings, SystemClock())


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    calendar = _service(settings)
    at = calendar.parse_datetime(args.at, "at") if args.at else None
    print_json(calendar.status(at, args.lang).as_dict())
    return 0


def run_deadline(args: argparse.Namespace, settings: Settings) -> int:
    calendar = _service(settings)
    received = calendar.parse_datetime(args.received, "received")
    print_json(calendar.deadline(received, args.track, args.lang).as_dict())
    return 0


def run_closures(args: argparse.Namespace, settings: Settings) -> int:
    calendar = _service(settings)
    year = parse_year(args.year) if args.year else None
    print_json([day.as_dict() for day in calendar.closures(year, args.lang)])
    return 0
