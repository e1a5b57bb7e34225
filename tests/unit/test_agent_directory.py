"""The agents' directory of routing: kept a few seconds, then reloaded beside its callers (fakes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from callcenter.domain.agents import AgentProfile, RingVia
from callcenter.services.agents import STALE_S, AgentService
from callcenter.services.clock import FixedClock


def profile(user_id: int, name: str) -> AgentProfile:
    return AgentProfile(user_id, name, name.title(), f"sip:{name}@pbx.test", ("fr",), (), RingVia.SIP)


class Profiles:
    """The agents repository of a fake unit of work: what the database holds, and how often it was read."""

    def __init__(self) -> None:
        self.stored = [profile(1, "marie")]
        self.reads = 0
        self.after_read: Callable[[], None] | None = None  # what happens between a read and its return

    def all(self) -> list[AgentProfile]:
        self.reads += 1
        found = list(self.stored)
        if self.after_read is not None:
            self.after_read()
        return found


class FakeUow:
    def __init__(self, agents: Profiles) -> None:
        self.agents = agents

    def __enter__(self) -> FakeUow:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


class Later:
    """A background runner that keeps the work until told to run it."""

    def __init__(self) -> None:
        self.work: list[Callable[[], None]] = []

    def __call__(self, work: Callable[[], None]) -> None:
        self.work.append(work)

    def run(self) -> None:
        while self.work:
            self.work.pop(0)()


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def service(background: Later | None) -> tuple[AgentService, Profiles, Ticks]:
    profiles, ticks = Profiles(), Ticks()
    agents = AgentService(lambda: FakeUow(profiles), FixedClock(datetime(2026, 11, 26, tzinfo=UTC)),  # type: ignore[arg-type,return-value]
                          cache_s=5.0, monotonic=ticks, background=background)
    return agents, profiles, ticks


def test_a_stale_copy_is_served_while_one_reload_runs_beside_the_callers() -> None:
    later = Later()
    agents, profiles, ticks = service(later)
    assert list(agents.directory()) == [1] and profiles.reads == 1
    profiles.stored.append(profile(2, "jan"))
    ticks.now += 6
    assert list(agents.directory()) == [1] and list(agents.directory()) == [1]  # no caller waits
    assert len(later.work) == 1 and profiles.reads == 1  # one reload, however many callers
    later.run()
    assert list(agents.directory()) == [1, 2] and profiles.reads == 2


def test_without_a_background_or_past_the_stale_limit_the_caller_reloads() -> None:
    agents, profiles, ticks = service(None)
    agents.directory()
    profiles.stored.append(profile(2, "jan"))
    ticks.now += 6
    assert list(agents.directory()) == [1, 2]
    later = Later()
    agents, profiles, ticks = service(later)
    agents.directory()
    profiles.stored.append(profile(2, "jan"))
    ticks.now += STALE_S + 1
    assert list(agents.directory()) == [1, 2] and later.work == []


def test_a_reload_that_read_before_the_cache_was_forgotten_does_not_bring_the_old_copy_back() -> None:
    later = Later()
    agents, profiles, ticks = service(later)
    agents.directory()
    ticks.now += 6
    agents.directory()  # starts a reload beside the callers

    def profile_changed() -> None:  # set_profile commits and forgets the cache once the reload has read
        profiles.after_read = None
        profiles.stored.append(profile(2, "jan"))
        agents.forget_cache()

    profiles.after_read = profile_changed
    later.run()
    assert list(agents.directory()) == [1, 2]


def test_a_failed_reload_keeps_the_copy_and_lets_a_later_caller_try_again() -> None:
    later = Later()
    agents, profiles, ticks = service(later)
    agents.directory()
    ticks.now += 6
    agents.directory()

    def broken() -> list[AgentProfile]:
        raise OSError("the database went away")

    profiles.all = broken  # type: ignore[method-assign]
    later.run()
    assert list(agents.directory()) == [1] and len(later.work) == 1  # served, and tried again
