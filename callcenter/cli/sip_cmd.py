"""`callcenter sip [config]`: run the SIP side (Kamailio and our SIP endpoints), or print its configuration.

`callcenter users set-sip-password USERNAME` (registered under `users` by callcenter.cli.users_cmd)
gives an agent's phone its credentials: only digest hashes are stored.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from callcenter.cli import UsageError
from callcenter.cli.database import database_services
from callcenter.cli.output import print_json
from callcenter.cli.sip_probe_cmd import register_probe
from callcenter.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("sip", help="run the SIP side: Kamailio (and the announcement endpoint when set up)")
    p.add_argument("--cti-url", help="base URL of the CTI API Kamailio calls (else the sip_cti_url setting)")
    p.set_defaults(handler=run_sip)
    ssub = p.add_subparsers(dest="sip_command")
    config = ssub.add_parser("config", help="print the Kamailio configuration generated from the settings")
    config.add_argument("--run-dir", type=Path, help="runtime directory written in it (else <data_dir>/sip)")
    config.set_defaults(handler=run_config)
    register_probe(ssub)


def register_users(usub: Any) -> None:
    """Add `users set-sip-password` and `users remove-sip-password` to the users command."""
    set_password = usub.add_parser("set-sip-password",
                                   help="give a user's phone SIP credentials (only hashes are kept)")
    set_password.add_argument("username")
    set_password.add_argument("--password-stdin", action="store_true",
                              help="read the SIP password from the first line of standard input (else one is "
                                   "generated)")
    set_password.set_defaults(handler=run_set_sip_password)
    remove = usub.add_parser("remove-sip-password", help="stop a user's phone from registering")
    remove.add_argument("username")
    remove.set_defaults(handler=run_remove_sip_password)


def run_sip(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.cli.processes_cmd import _configure_logging, _serve
    from callcenter.sip.kamailio_process import kamailio_installed
    from callcenter.sip.sip_side import SipSide, build_parts

    if settings.sip_run_kamailio and not kamailio_installed():
        raise UsageError("Kamailio is not installed (Debian: apt install kamailio kamailio-extra-modules "
                         "kamailio-utils-modules kamailio-sqlite-modules kamailio-postgres-modules).")
    _configure_logging(settings)
    if args.cti_url and not settings.sip_cti_url:
        settings = settings.replace(sip_cti_url=args.cti_url)
    with database_services(settings):
        pass  # Kamailio reads sip_credentials: the schema must be current (embedded: migrated here)
    return _serve(SipSide(build_parts(settings)))


def run_config(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.sip.kamailio_config import render
    from callcenter.sip.kamailio_process import runtime_dir

    run_dir = args.run_dir or runtime_dir(settings)
    sys.stdout.write(render(settings, run_dir))
    return 0


def run_set_sip_password(args: argparse.Namespace, settings: Settings) -> int:
    password = _stdin_password() if args.password_stdin else None
    with database_services(settings) as services:
        generated = services.sip_accounts.set_password(args.username, password)
    print_json({"username": args.username.strip().lower(), **({"password": generated} if generated else {})})
    if generated:
        sys.stderr.write("Type this password into the phone now: it is not shown again.\n")
    return 0


def run_remove_sip_password(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        services.sip_accounts.remove_password(args.username)
    print_json({"username": args.username.strip().lower(), "sip_password": None})
    return 0


def _stdin_password() -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise UsageError("No password was given on standard input.")
    return line
