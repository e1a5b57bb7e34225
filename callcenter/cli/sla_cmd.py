"""`callcenter sla sweep|recompute-due`: run the reminder sweep now; recompute due times after closures edits.

Both work on the database alone: mail is queued in the outbox (the worker delivers it) and no RQ job is
scheduled (the worker's own sweep schedules the exact-time reminders).
"""

from __future__ import annotations

import argparse
from typing import Any

from callcenter.cli.database import database_services
from callcenter.cli.output import print_json
from callcenter.services.sla_views import recompute_dict, sweep_dict
from callcenter.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("sla", help="service commitments: overdue reminders, due times after closures edits")
    ssub = p.add_subparsers(dest="sla_command", required=True)
    sweep = ssub.add_parser("sweep", help="recompute due times if closures changed, remind overdue questions")
    sweep.set_defaults(handler=run_sweep)
    recompute = ssub.add_parser("recompute-due", help="give open questions the due times of the current "
                                "closures (done once per closures version)")
    recompute.add_argument("--force", action="store_true",
                           help="look at every open question even if these closures were applied already")
    recompute.set_defaults(handler=run_recompute)


def run_sweep(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        print_json(sweep_dict(services.sla.sweep()))
    return 0


def run_recompute(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        print_json(recompute_dict(services.sla.recompute_due(force=args.force)))
    return 0
