"""`callcenter users create|list|set-password|disable|enable`: the people who log in.

Without --password-stdin a password is generated and printed once, in the JSON on stdout.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from callcenter.cli import UsageError, sip_cmd
from callcenter.cli.database import database_services
from callcenter.cli.output import print_json
from callcenter.domain.identity import LANGUAGES, NewUser, Role, User, parse_roles
from callcenter.settings import Settings

_PASSWORD_STDIN_HELP = "read the password from the first line of standard input (else one is generated)"


def register(sub: Any) -> None:
    p = sub.add_parser("users", help="users who log in: agents, experts, coaches, supervisors, admins")
    usub = p.add_subparsers(dest="users_command", required=True)
    create = usub.add_parser("create", help="register a user")
    create.add_argument("--username", required=True, help="login name: lowercase letters, digits, . _ -")
    create.add_argument("--name", required=True, help="name shown to colleagues")
    create.add_argument("--email", required=True)
    # Roles and language are checked by the domain, so a bad one gets the same sentence as in the API.
    create.add_argument("--role", action="append", required=True,
                        help=f"a role ({', '.join(Role)}); repeat for several")
    create.add_argument("--lang", default="fr", help=f"language: {', '.join(LANGUAGES)} (default fr)")
    create.add_argument("--password-stdin", action="store_true", help=_PASSWORD_STDIN_HELP)
    create.set_defaults(handler=run_create)
    usub.add_parser("list", help="list every user").set_defaults(handler=run_list)
    set_password = usub.add_parser("set-password", help="give a user a new password (ends its sessions)")
    set_password.add_argument("username")
    set_password.add_argument("--password-stdin", action="store_true", help=_PASSWORD_STDIN_HELP)
    set_password.set_defaults(handler=run_set_password)
    sip_cmd.register_users(usub)  # set-sip-password, remove-sip-password: the SIP edge's credentials
    for name, handler, text in (("disable", run_disable, "stop a user from logging in and using tokens"),
                                ("enable", run_enable, "let a disabled user log in again")):
        command = usub.add_parser(name, help=text)
        command.add_argument("username")
        command.set_defaults(handler=handler)


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    new = NewUser(args.username, args.name, args.email, parse_roles(args.role), args.lang)
    password = _stdin_password() if args.password_stdin else None
    with database_services(settings) as services:
        user, generated = services.identity.create_user(new, password)
    print_json({**user_dict(user), **({"password": generated} if generated else {})})
    if generated:
        sys.stderr.write("Give this password to the user now: it is not shown again.\n")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        print_json([user_dict(user) for user in services.identity.list_users()])
    return 0


def run_set_password(args: argparse.Namespace, settings: Settings) -> int:
    password = _stdin_password() if args.password_stdin else None
    with database_services(settings) as services:
        generated = services.identity.set_password(args.username, password)
    print_json({"username": args.username.strip().lower(), **({"password": generated} if generated else {})})
    return 0


def run_disable(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        print_json(user_dict(services.identity.disable(args.username)))
    return 0


def run_enable(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        print_json(user_dict(services.identity.enable(args.username)))
    return 0


def user_dict(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "email": user.email, "language": user.language, "roles": sorted(user.roles),
            "active": user.active, "created_at": user.created_at.isoformat()}


def _stdin_password() -> str:
    line = sys.stdin.readline()
    if not line.strip():
        raise UsageError("No password was given on standard input.")
    return line.rstrip("\r\n")
