"""`callcenter up --demo`: load a living demo (CRM, users, experts' agendas) and return the lines to print.

Everything goes through the services, as people would type it, and loading again adds nothing. The
generated passwords are kept in <data_dir>/demo-logins.txt (mode 0600) so that every run prints the
same logins; a demo user whose password is not in that file gets a new one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from callcenter.demo_calls import load_demo_calls
from callcenter.demo_crm import CITIZENS, SWITCHBOARD_NAMUR, load_demo_crm
from callcenter.domain.agenda import ABSENCE
from callcenter.domain.calendar import office_zone
from callcenter.domain.identity import NewUser, Role

LOGINS_FILE = "demo-logins.txt"
_LOGINS_HEADER = "# Logins of the demo users of `callcenter up --demo` (username, tab, password).\n"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    email: str
    roles: frozenset[Role]
    language: str
    competences: tuple[str, ...] = ()  # topic codes of demo_crm.TOPICS
    absence: tuple[time, time, str] | None = None  # today, office time: (from, until, summary)


DEMO_USERS = (
    DemoUser("demo.agent", "Marie Lejeune", "marie.lejeune@example.org", frozenset({Role.AGENT}), "fr"),
    DemoUser("demo.expert", "Pieter Claes", "pieter.claes@example.org", frozenset({Role.EXPERT}), "nl",
             ("ris", "piis", "aide-medicale"), (time(13, 0), time(16, 30), "Opleiding")),
    DemoUser("demo.expert2", "Nathalie Renard", "nathalie.renard@example.org", frozenset({Role.EXPERT}),
             "fr", ("ris", "energie", "subsides")),
    DemoUser("demo.coordinator", "Koen Wouters", "koen.wouters@example.org",
             frozenset({Role.COORDINATOR, Role.SUPERVISOR}), "nl"),
)


def load_demo(services: Any) -> list[str]:
    """Load the demo data (once) and return lines describing it, logins included."""
    crm = load_demo_crm(services)
    lines = [f"demo: {line}" for line in crm] or ["demo: CRM data already loaded"]
    lines += _users(services)
    lines += [_agenda(services, user) for user in DEMO_USERS if user.competences]
    lines.append(f"demo: call from {CITIZENS[0][3][0]} (a citizen) or {SWITCHBOARD_NAMUR} (a CPAS "
                 "switchboard) to see the screen-pop")
    lines.append(_calendar_status(services))
    lines += load_demo_calls(services)
    return lines


def _users(services: Any) -> list[str]:
    """Create the missing demo users and return their logins, reusing the passwords already given."""
    path = Path(services.settings.data_dir) / LOGINS_FILE
    stored = read_logins(path)
    logins = dict(stored)
    existing = {user.username for user in services.identity.list_users()}
    for user in DEMO_USERS:
        if user.username not in existing:
            new = NewUser(user.username, user.display_name, user.email, user.roles, user.language)
            _, generated = services.identity.create_user(new, stored.get(user.username))
            logins[user.username] = generated or stored[user.username]
        elif user.username not in stored:  # the file was lost: nobody can know the password any more
            logins[user.username] = services.identity.set_password(user.username)
        if user.competences:
            services.agendas.set_competences(user.username, user.competences)
    if logins != stored:
        write_logins(path, logins)
    return [f"demo: log in as {user.username} / {logins[user.username]} "
            f"({', '.join(sorted(role.value for role in user.roles))})" for user in DEMO_USERS]


def _agenda(services: Any, user: DemoUser) -> str:
    """Give the expert today's absence unless their agenda already has something today."""
    zone = office_zone(services.settings.timezone)
    today = services.clock.now().astimezone(zone).date()
    start = datetime.combine(today, time(0, 0), zone)
    if user.absence is not None and not services.agendas.entries(user.username, start,
                                                                 start + timedelta(days=1)):
        since, until, summary = user.absence
        services.agendas.add_entry(user.username, ABSENCE, datetime.combine(today, since, zone),
                                   datetime.combine(today, until, zone), summary)
    absent = (f"absent today {user.absence[0]:%H:%M}-{user.absence[1]:%H:%M}" if user.absence
              else "no absence")
    return f"demo: expert {user.username} knows {', '.join(user.competences)}; {absent}"


def read_logins(path: Path) -> dict[str, str]:
    """Read the demo logins file (an absent file holds no logins)."""
    if not path.exists():
        return {}
    pairs = (line.split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#"))
    return {pair[0]: pair[1] for pair in pairs if len(pair) == 2}


def write_logins(path: Path, logins: dict[str, str]) -> None:
    """Write the logins readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _LOGINS_HEADER + "".join(f"{name}\t{password}\n" for name, password in sorted(logins.items()))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(path, 0o600)  # O_CREAT leaves the mode of a file that was already there


def _calendar_status(services: Any) -> str:
    status = services.calendar.status(services.clock.now())
    shown = status.as_dict() if hasattr(status, "as_dict") else vars(status)
    return f"demo: office calendar now: {json.dumps(shown, ensure_ascii=False, default=str)}"
