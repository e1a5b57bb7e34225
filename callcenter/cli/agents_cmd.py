"""`callcenter agents set|list|remove`: the phones, languages and groups routing rings agents by.

    callcenter agents set marie --sip sip:marie@pbx.example.be --lang fr --lang nl [--group cpas]
"""

from __future__ import annotations

import argparse
from typing import Any

from callcenter.cli.database import database_services
from callcenter.cli.output import print_json
from callcenter.domain.agents import AgentProfile, ProfileIn
from callcenter.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("agents", help="agent profiles: SIP address, languages, groups")
    asub = p.add_subparsers(dest="agents_command", required=True)
    set_ = asub.add_parser("set", help="create or replace the profile of a user with the agent role")
    set_.add_argument("username")
    set_.add_argument("--sip", required=True, help="SIP address of the agent's phone, sip:user@host")
    set_.add_argument("--lang", action="append", required=True,
                      help="a language the agent speaks (fr, nl, de, en); repeat, main one first")
    set_.add_argument("--group", action="append", default=[], help="a group of the agent; repeat for several")
    set_.add_argument("--ring-via", default="sip",
                      help="sip (their phone, default) or client (in the browser)")
    set_.set_defaults(handler=run_set)
    asub.add_parser("list", help="list every agent profile").set_defaults(handler=run_list)
    remove = asub.add_parser("remove", help="remove an agent's profile (routing stops ringing them)")
    remove.add_argument("username")
    remove.set_defaults(handler=run_remove)


def run_set(args: argparse.Namespace, settings: Settings) -> int:
    cmd = ProfileIn(args.sip, args.lang, args.group, args.ring_via)
    with database_services(settings) as services:
        print_json(profile_dict(services.agents.set_profile(args.username, cmd)))
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        print_json([profile_dict(p) for p in services.agents.all()])
    return 0


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    with database_services(settings) as services:
        had_sip_password = services.agents.remove(args.username)
    print_json({"username": args.username.strip().lower(), "removed": True,
                "sip_password_removed": had_sip_password})
    return 0


def profile_dict(profile: AgentProfile) -> dict[str, Any]:
    return {"id": profile.user_id, "username": profile.username, "display_name": profile.display_name,
            "sip_uri": profile.sip_uri, "languages": list(profile.languages), "groups": list(profile.groups),
            "ring_via": profile.ring_via.value, "active": profile.active}
