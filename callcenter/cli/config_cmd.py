"""`callcenter config`: print the effective settings, secrets masked."""

from __future__ import annotations

import argparse
from typing import Any

from callcenter.cli.output import print_json
from callcenter.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("config", help="print the effective settings (secrets masked)")
    p.add_argument("--describe", action="store_true", help="with environment names and descriptions")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    rows = settings.describe()
    if args.describe:
        print_json(rows)
    else:
        print_json({row["name"]: row["value"] for row in rows})
    return 0
