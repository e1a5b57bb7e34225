"""`callcenter tokens create|list|revoke`: API bearer tokens for users and integrations.

A token is printed once, by `create`; the database keeps only its SHA-256 digest.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from callcenter.cli.database import database_services
from callcenter.cli.output import print_json
from callcenter.domain.identity import SCOPES, ApiToken
from callcenter.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("tokens", help="API bearer tokens of users and integrations")
    tsub = p.add_subparsers(dest="tokens_command", required=True)
    create = tsub.add_parser("create", help="create a token and print it once")
    create.add_argument("--name", required=True, help="what the token is for; the integration's name")
    create.add_argument("--scope", action="append", required=True,
                        help=f"a scope ({', '.join(SCOPES)}); repeat for several")
    create.add_argument("--user", help="username the token acts as (else it acts as the integration)")
    create.add_argument("--expires-days", type=int, help="days until the token expires (default never)")
    create.set_defaults(handler=run_create)
    tsub.add_parser("list", help="list tokens (never their secret)").set_defaults(handler=run_list)
    revoke = tsub.add_parser("revoke", help="revoke a token for good")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(handler=run_revoke)


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        token, raw = services.identity.create_token(args.name, args.scope, args.user, args.expires_days)
        now = services.clock.now()
    print_json({**token_dict(token, now), "token": raw})
    sys.stderr.write("Store this token now: it is not shown again.\n")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        now = services.clock.now()
        print_json([token_dict(token, now) for token in services.identity.list_tokens()])
    return 0


def run_revoke(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        token = services.identity.revoke_token(args.id)
        print_json(token_dict(token, services.clock.now()))
    return 0


def token_dict(token: ApiToken, now: datetime) -> dict[str, Any]:
    state = "revoked" if token.revoked_at else "active" if token.usable_at(now) else "expired"
    return {"id": token.id, "name": token.name, "user": token.username, "scopes": sorted(token.scopes),
            "state": state, "created_at": _iso(token.created_at), "last_used_at": _iso(token.last_used_at),
            "expires_at": _iso(token.expires_at), "revoked_at": _iso(token.revoked_at)}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
