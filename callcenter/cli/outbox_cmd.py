"""`callcenter outbox list|retry|deliver`: see outgoing mail, give dead mail another chance, send now."""

from __future__ import annotations

import argparse
from typing import Any

from callcenter.cli.database import database_services
from callcenter.cli.output import print_json
from callcenter.domain.outbox import STATUSES, OutboxMessage
from callcenter.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("outbox", help="outgoing mail: list it, retry dead mail, deliver what is due")
    osub = p.add_subparsers(dest="outbox_command", required=True)
    listing = osub.add_parser("list", help="list outgoing mail, newest first")
    listing.add_argument("--status", choices=STATUSES, help="only mail in this state (e.g. dead)")
    listing.add_argument("--limit", type=int, default=50, help="how many at most (default 50)")
    listing.set_defaults(handler=run_list)
    retry = osub.add_parser("retry", help="make a dead or failing mail due now with fresh attempts")
    retry.add_argument("id", type=int)
    retry.set_defaults(handler=run_retry)
    deliver = osub.add_parser("deliver", help="send the due mail now from this process")
    deliver.set_defaults(handler=run_deliver)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        messages = services.outbox.list_messages(args.status, max(1, args.limit))
    print_json([message_dict(m) for m in messages])
    return 0


def run_retry(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        print_json(message_dict(services.outbox.retry(args.id)))
    return 0


def run_deliver(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        report = services.outbox.deliver_due()
    print_json({"sent": report.sent, "retrying": report.retrying, "dead": report.dead})
    return 0


def message_dict(message: OutboxMessage) -> dict[str, Any]:
    email = message.email
    return {
        "id": message.id, "status": message.status, "kind": email.kind, "to": email.to_address,
        "subject": email.subject, "language": email.language,
        "registration_number": email.registration_number, "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at.isoformat(), "last_error": message.last_error,
        "created_at": message.created_at.isoformat(),
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "message_id": message.message_id,
    }
