"""`callcenter webhooks add|list|remove|deliveries|redeliver`: tell other systems of calls and questions.

A subscription's secret signs every delivery (X-Callcenter-Signature); it is printed once, by `add`.
Deliveries are made by the worker; what this command queues (redeliver) goes out at the worker's
next sweep, within two minutes.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from callcenter.cli.database import database_services
from callcenter.cli.output import print_json
from callcenter.domain.webhooks import EVENT_TYPES, STATUSES, parse_event_list
from callcenter.services.webhook_subscriptions import NewSubscription
from callcenter.services.webhook_views import delivery_dict, subscription_dict
from callcenter.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("webhooks", help="subscriptions of other systems to call and question events")
    wsub = p.add_subparsers(dest="webhooks_command", required=True)
    add = wsub.add_parser("add", help="subscribe a URL to events and print its secret once")
    add.add_argument("url", help="http(s) URL that receives the signed JSON POSTs")
    add.add_argument("--events", required=True, help=f"comma-separated: {','.join(EVENT_TYPES)}")
    add.add_argument("--secret", help="HMAC key the receiver verifies with (default: one is generated)")
    add.add_argument("--description", default="", help="who receives them, for the list")
    add.set_defaults(handler=run_add)
    wsub.add_parser("list", help="list the subscriptions in force").set_defaults(handler=run_list)
    remove = wsub.add_parser("remove", help="stop a subscription (its delivery log stays)")
    remove.add_argument("id", type=int)
    remove.set_defaults(handler=run_remove)
    log = wsub.add_parser("deliveries", help="a subscription's delivery log, newest first")
    log.add_argument("subscription_id", type=int)
    log.add_argument("--status", choices=STATUSES, help="only deliveries in this state (e.g. dead)")
    log.add_argument("--limit", type=int, default=50, help="how many at most (default 50)")
    log.set_defaults(handler=run_deliveries)
    again = wsub.add_parser("redeliver", help="send an event again to the subscriptions it went to")
    again.add_argument("event_id", help="evt_… as shown in the delivery log")
    again.add_argument("--subscription", type=int, help="only to this subscription")
    again.set_defaults(handler=run_redeliver)


def run_add(args: argparse.Namespace, settings: Settings) -> int:
    new = NewSubscription(args.url, parse_event_list(args.events), args.secret, args.description)
    with database_services(settings) as services:
        sub, secret = services.webhook_subscriptions.add(new)
    print_json({**subscription_dict(sub), "secret": secret})
    if args.secret is None:
        sys.stderr.write("Give this secret to the receiver now: it is not shown again.\n")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        print_json([subscription_dict(s) for s in services.webhook_subscriptions.subscriptions()])
    return 0


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        print_json(subscription_dict(services.webhook_subscriptions.remove(args.id)))
    return 0


def run_deliveries(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        found = services.webhook_subscriptions.deliveries(args.subscription_id, args.status, args.limit)
    print_json([delivery_dict(d) for d in found])
    return 0


def run_redeliver(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        fresh = services.webhook_subscriptions.redeliver(args.event_id, args.subscription)
    print_json([delivery_dict(d) for d in fresh])
    sys.stderr.write("Queued: the worker sends it within two minutes.\n")
    return 0
