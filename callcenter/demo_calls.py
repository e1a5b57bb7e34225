"""The calls part of `callcenter up --demo`: demo agents with their phones and languages, and a caller.

``load_demo_calls`` gives demo.agent (created by callcenter.demo) a profile and adds two agents of
other languages, with their logins kept in the same file as the other demo users. ``DemoCaller`` runs
as the `callcenter demo-calls` child of `up --demo` only: every ``every_s`` seconds, while at least
one agent is available, it places a simulated call (a demo citizen, the CPAS switchboard or an
unknown number) through the real CTI API, so a newcomer who logs in sees the panel come alive.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import Any

from callcenter.demo_crm import CITIZENS, OUR_NUMBER, SWITCHBOARD_NAMUR
from callcenter.domain.agents import ProfileIn
from callcenter.domain.identity import NewUser, Role
from callcenter.domain.phone import normalise_phone
from callcenter.domain.presence import PresenceStatus
from webhooks.cti_client import CtiClient
from webhooks.simulated_pbx import CallScript, SimulatedCall

log = logging.getLogger(__name__)

SIP_DOMAIN = "pbx.demo.invalid"
# (username, display name, e-mail, languages); demo.agent itself comes from callcenter.demo.
EXTRA_AGENTS = (
    ("demo.agent.nl", "Jan Peeters", "jan.peeters@example.org", ("nl", "fr")),
    ("demo.agent.de", "Lena Schmitz", "lena.schmitz@example.org", ("de", "fr", "en")),
)
MAIN_AGENT = ("demo.agent", ("fr", "nl"))
UNKNOWN_NUMBER = "+32478000000"


def load_demo_calls(services: Any) -> list[str]:
    """Give the demo agents their profiles (creating the missing ones) and return their login lines."""
    from callcenter.demo import LOGINS_FILE, read_logins, write_logins  # demo.py calls us: import late

    path = services.settings.data_dir / LOGINS_FILE
    stored = read_logins(path)
    logins = dict(stored)
    existing = {user.username for user in services.identity.list_users()}
    for username, name, email, languages in EXTRA_AGENTS:
        if username not in existing:
            new = NewUser(username, name, email, frozenset({Role.AGENT}), languages[0])
            logins[username] = services.identity.create_user(new, stored.get(username))[1] or stored[username]
        elif username not in stored:
            logins[username] = services.identity.set_password(username)
    if logins != stored:
        write_logins(path, logins)
    lines = []
    for username, languages in [MAIN_AGENT, *((a[0], a[3]) for a in EXTRA_AGENTS)]:
        profile = services.agents.set_profile(username, ProfileIn(f"sip:{username}@{SIP_DOMAIN}", languages))
        password = f" / {logins[username]}" if username in logins else ""
        lines.append(f"demo: agent {username}{password} speaks {', '.join(profile.languages)} "
                     f"({profile.sip_uri})")
    every = services.settings.demo_call_every_s
    lines.append(f"demo: a simulated call every {every:g} s while an agent is available (set your presence)")
    return lines


def demo_numbers() -> list[str]:
    """Return the numbers demo calls come from: the demo citizens, the CPAS switchboard, a stranger."""
    citizens = [normalise_phone(phones[0]) for _, _, _, phones in CITIZENS]
    return [*citizens, normalise_phone(SWITCHBOARD_NAMUR), UNKNOWN_NUMBER]


class DemoCaller:
    """Place a simulated call every ``every_s`` seconds while an agent is available; run() until stop()."""

    def __init__(self, services: Any, client: CtiClient, every_s: float, say: Callable[[str], None], *,
                 rng: random.Random | None = None) -> None:
        self._services = services
        self._client = client
        self._every_s = every_s
        self._say = say
        self._rng = rng or random.Random()
        self._stopped = threading.Event()

    def run(self) -> int:
        self._say(f"demo calls every {self._every_s:g} s while an agent is available")
        while not self._stopped.wait(self._every_s * self._rng.uniform(0.7, 1.3)):
            try:
                if self._someone_available():
                    self.place_call()
            except Exception:  # a failed demo call must not end the demo
                log.warning("demo call not placed", exc_info=True)
        return 0

    def stop(self) -> None:
        self._stopped.set()

    def place_call(self) -> SimulatedCall:
        """Start one simulated call in the background and return it."""
        script = CallScript(self._rng.choice(demo_numbers()), normalise_phone(OUR_NUMBER),
                            answer_after_s=self._rng.uniform(2, 6), duration_s=self._rng.uniform(15, 40),
                            give_up_after_s=120)
        call = SimulatedCall(self._client, script, self._say, sleep=self._sleep)
        threading.Thread(target=call.run, name=f"demo-{call.call_id}", daemon=True).start()
        return call

    def _sleep(self, seconds: float) -> None:
        self._stopped.wait(seconds)

    def _someone_available(self) -> bool:
        return any(view.status is PresenceStatus.AVAILABLE for view in self._services.presence.all())
