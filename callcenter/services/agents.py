"""Agent profiles use cases (services.agents): SIP address, languages, groups of users with the agent role.

Routing reads the profiles on every decision, so ``directory()`` keeps them in memory for a few
seconds; a profile changed by another process (the CLI) is seen within ``cache_s``. Given a way to run
work in the background, a copy older than that is still served (for up to STALE_S) while one reload
runs beside it, so that no route request waits for the read of every profile (8 ms for 50 agents on a
busy machine); without one, or once the copy is older than STALE_S, the caller reloads it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from callcenter.domain.agents import AgentProfile, NoSuchAgent, ProfileIn, clean_profile
from callcenter.domain.errors import NotFound, RuleViolation
from callcenter.domain.identity import Role
from callcenter.services.ports import Clock
from callcenter.services.routing_ports import RoutingUowFactory

CACHE_S = 5.0
STALE_S = 60.0

log = logging.getLogger(__name__)


class AgentService:
    def __init__(self, uow: RoutingUowFactory, clock: Clock, *, cache_s: float = CACHE_S,
                 monotonic: Callable[[], float] = time.monotonic,
                 background: Callable[[Callable[[], None]], None] | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._cache_s = cache_s
        self._monotonic = monotonic
        self._background = background  # runs a reload beside the callers (None: they wait for it)
        self._lock = threading.Lock()
        self._cached: dict[int, AgentProfile] | None = None
        self._cached_at = 0.0
        self._reloading = False
        self._generation = 0

    def set_profile(self, username: str, cmd: ProfileIn) -> AgentProfile:
        """Give a user with the agent role their SIP address, languages, groups and ring channel."""
        clean = clean_profile(cmd)
        with self._uow() as uow:
            user = uow.users.by_username(str(username).strip().lower())
            if user is None:
                raise NotFound(f"There is no user {username!r}.")
            if Role.AGENT not in user.roles:
                raise RuleViolation(f"The user {user.username!r} does not have the agent role.",
                                    {"username": "not an agent"})
            uow.agents.save(user.id, clean, self._clock.now())
            profile = uow.agents.get(user.id)
            uow.commit()
        self.forget_cache()
        assert profile is not None
        return profile

    def get(self, agent_id: int) -> AgentProfile:
        """Return an agent's profile, or raise NoSuchAgent."""
        with self._uow() as uow:
            profile = uow.agents.get(agent_id)
        if profile is None:
            raise NoSuchAgent(f"There is no agent {agent_id}.")
        return profile

    def all(self) -> list[AgentProfile]:
        """Return every profile, by username (inactive ones too)."""
        with self._uow() as uow:
            return uow.agents.all()

    def remove(self, username: str) -> bool:
        """Remove a user's agent profile: routing stops offering them calls, and the SIP password of
        their phone goes with it (it can no longer register). Return whether there was one."""
        with self._uow() as uow:
            user = uow.users.by_username(str(username).strip().lower())
            if user is None or not uow.agents.remove(user.id):
                raise NoSuchAgent(f"{username!r} has no agent profile.")
            had_sip_password = uow.sip_accounts.remove(user.id)
            uow.commit()
        self.forget_cache()
        return had_sip_password

    def directory(self) -> dict[int, AgentProfile]:
        """Return the active agents' profiles by id, read at most every ``cache_s`` seconds."""
        with self._lock:
            cached, age = self._cached, self._monotonic() - self._cached_at
            if cached is not None and age < self._cache_s:
                return cached
            stale_ok = cached is not None and age < STALE_S and self._background is not None
            start = stale_ok and not self._reloading
            if start:
                self._reloading = True
        if not stale_ok:
            return self._reload()
        if start:
            self._start_reload()
        assert cached is not None
        return cached

    def _start_reload(self) -> None:
        assert self._background is not None
        try:
            self._background(self._reload_beside)
        except Exception:  # no thread to be had: a later caller tries again
            log.warning("agent profiles not reloaded in the background", exc_info=True)
            with self._lock:
                self._reloading = False

    def forget_cache(self) -> None:
        with self._lock:
            self._cached = None
            self._generation += 1  # a reload that read before this must not bring the old copy back

    def _reload(self) -> dict[int, AgentProfile]:
        with self._lock:
            read_at, generation = self._monotonic(), self._generation
        profiles = {p.user_id: p for p in self.all() if p.active}
        with self._lock:
            # Keep the newest read: a reload that started later may have finished first.
            if generation == self._generation and self._cached_at <= read_at:
                self._cached, self._cached_at = profiles, read_at
        return profiles

    def _reload_beside(self) -> None:
        try:
            self._reload()
        except Exception:  # the copy in memory stays; the next caller past STALE_S reloads it itself
            log.warning("agent profiles not reloaded", exc_info=True)
        finally:
            with self._lock:
                self._reloading = False

    def resolve(self, ref: str) -> AgentProfile | None:
        """Find an active agent by username, SIP address, the user part of it (an extension), or id."""
        text = ref.strip()
        profiles = list(self.directory().values())
        for matches in (lambda p: p.username == text.lower(), lambda p: p.sip_uri.lower() == text.lower(),
                        lambda p: _sip_user(p.sip_uri) == _sip_user(text), lambda p: str(p.user_id) == text):
            found = [p for p in profiles if matches(p)]
            if len(found) == 1:
                return found[0]
        return None


def _sip_user(uri: str) -> str:
    """Return the user part of a SIP address (or the text itself when it has none): 'sip:101@pbx' -> '101'."""
    return uri.split(":", 1)[-1].split("@", 1)[0].lower()
