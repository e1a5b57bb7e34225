"""`callcenter db upgrade|current`: schema migrations."""

from __future__ import annotations

import argparse
from typing import Any

from callcenter.cli.output import print_json
from callcenter.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("db", help="database schema migrations")
    dsub = p.add_subparsers(dest="db_command", required=True)
    up = dsub.add_parser("upgrade", help="migrate the schema to the newest revision")
    up.add_argument("revision", nargs="?", default="heads")
    up.set_defaults(handler=upgrade)
    cur = dsub.add_parser("current", help="print the schema revision")
    cur.set_defaults(handler=current)


def upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.db import migrate
    from callcenter.db.engine import make_engine

    engine = make_engine(settings.effective_database_url)
    try:
        migrate.upgrade(engine, args.revision)
        print_json({"revisions": list(migrate.current_revisions(engine))})
    finally:
        engine.dispose()
    return 0


def current(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.db import migrate
    from callcenter.db.engine import make_engine

    engine = make_engine(settings.effective_database_url)
    try:
        print_json({"revisions": list(migrate.current_revisions(engine)),
                    "heads": list(migrate.head_revisions())})
    finally:
        engine.dispose()
    return 0
