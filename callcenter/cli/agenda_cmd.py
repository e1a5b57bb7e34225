"""`callcenter agenda …` and `callcenter experts …`: experts' agendas, competences and availability.

Times typed without an offset are office wall-clock time (setting timezone); output is ISO 8601 in
office time with its offset.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Any

from callcenter.cli.database import database_services
from callcenter.cli.output import print_json
from callcenter.domain.agenda import ABSENCE, AVAILABLE, AgendaEntry, ExpertAvailability, Interval
from callcenter.services.agendas import ImportReport
from callcenter.settings import Settings


def register(sub: Any) -> None:
    _register_agenda(sub.add_parser("agenda", help="experts' agendas: absences, slots, iCalendar feeds"))
    _register_experts(sub.add_parser("experts", help="experts' competences and who is available"))


def _register_agenda(p: argparse.ArgumentParser) -> None:
    asub = p.add_subparsers(dest="agenda_command", required=True)
    imp = asub.add_parser("import", help="follow an iCalendar file or URL for a user and import it now")
    imp.add_argument("--user", required=True, help="username of the expert")
    imp.add_argument("--ical", required=True, help="path, file:, http(s): or webcal: URL of the calendar")
    imp.set_defaults(handler=run_import)
    asub.add_parser("refresh", help="re-read every followed feed").set_defaults(handler=run_refresh)
    for name, kind in (("add-absence", ABSENCE), ("add-slot", AVAILABLE)):
        add = asub.add_parser(name, help=f"record an {kind} period typed in by hand")
        add.add_argument("--user", required=True)
        add.add_argument("--from", dest="start", required=True, help="ISO 8601, e.g. 2026-12-01T09:00")
        add.add_argument("--to", dest="end", required=True, help="ISO 8601, e.g. 2026-12-01T12:30")
        add.add_argument("--summary", default="")
        add.set_defaults(handler=run_add, kind=kind)
    remove = asub.add_parser("remove", help="delete an entry typed in by hand")
    remove.add_argument("id", type=int)
    remove.set_defaults(handler=run_remove)
    listing = asub.add_parser("list", help="list a user's entries (default: the next 7 days)")
    listing.add_argument("--user", required=True)
    listing.add_argument("--from", dest="start", help="ISO 8601 (default now)")
    listing.add_argument("--to", dest="end", help="ISO 8601 (default 7 days after --from)")
    listing.set_defaults(handler=run_list)


def _register_experts(p: argparse.ArgumentParser) -> None:
    esub = p.add_subparsers(dest="experts_command", required=True)
    topics = esub.add_parser("set-topics", help="make these topic codes the competences of a user")
    topics.add_argument("--user", required=True)
    topics.add_argument("topics", nargs="*", help="topic codes (none clears them)")
    topics.set_defaults(handler=run_set_topics)
    available = esub.add_parser("available", help="competent experts, available now first")
    available.add_argument("--topic", required=True, help="topic code")
    available.add_argument("--at", help="moment to look at, ISO 8601 (default now)")
    available.set_defaults(handler=run_available)


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        report = services.agendas.import_feed(args.user, args.ical)
        print_json(report_dict(report, services))
    return 0


def run_refresh(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        results = services.agendas.refresh_feeds()
        print_json([{"feed_id": r.feed_id, "url": r.url, "error": r.error,
                     **(report_dict(r.report, services) if r.report else {})} for r in results])
    return 1 if any(r.error for r in results) else 0


def run_add(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        start, end = _moment(services, args.start, "from"), _moment(services, args.end, "to")
        entry = services.agendas.add_entry(args.user, args.kind, start, end, args.summary)
        print_json(entry_dict(entry, services))
    return 0


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        print_json(entry_dict(services.agendas.remove_entry(args.id), services))
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        start = _moment(services, args.start, "from") if args.start else services.clock.now()
        end = _moment(services, args.end, "to") if args.end else start + timedelta(days=7)
        print_json([entry_dict(e, services) for e in services.agendas.entries(args.user, start, end)])
    return 0


def run_set_topics(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        codes = services.agendas.set_competences(args.user, args.topics)
    print_json({"user": args.user.strip().lower(), "topics": codes})
    return 0


def run_available(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        at = _moment(services, args.at, "at") if args.at else None
        experts = services.agendas.available_experts(args.topic, at)
        print_json([expert_dict(e, services) for e in experts])
    return 0


def _moment(services: Any, text: str, field: str) -> datetime:
    return services.calendar.parse_datetime(text, field)  # type: ignore[no-any-return]


def _local(services: Any, at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(services.calendar.calendar.tz).isoformat()


def _spans(services: Any, intervals: tuple[Interval, ...]) -> list[list[str | None]]:
    return [[_local(services, i.start), _local(services, i.end)] for i in intervals]


def entry_dict(entry: AgendaEntry, services: Any) -> dict[str, Any]:
    return {"id": entry.id, "user_id": entry.user_id, "kind": entry.kind,
            "from": _local(services, entry.interval.start), "to": _local(services, entry.interval.end),
            "summary": entry.summary, "source": entry.source}


def expert_dict(expert: ExpertAvailability, services: Any) -> dict[str, Any]:
    a = expert.availability
    return {"user_id": expert.user_id, "username": expert.username, "name": expert.display_name,
            "available_now": a.available_now, "next_free_at": _local(services, a.next_free_at),
            "free_today": _spans(services, a.free_today), "busy_today": _spans(services, a.busy_today)}


def report_dict(report: ImportReport, services: Any) -> dict[str, Any]:
    return {"feed_id": report.feed_id, "url": report.url,
            "window": [_local(services, report.window.start), _local(services, report.window.end)],
            "added": report.added, "changed": report.changed, "removed": report.removed,
            "unchanged": report.unchanged}
