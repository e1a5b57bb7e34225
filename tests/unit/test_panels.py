"""The panel watch: open panels keep an agent online; the last closing, or logging out, sets it offline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callcenter.domain.errors import Conflict
from callcenter.services.clock import FixedClock
from callcenter.services.panels import PanelWatch

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
GRACE = timedelta(seconds=60)


class FakeRegistry:
    def __init__(self) -> None:
        self.seen_at: dict[int, datetime] = {}

    def seen(self, agent_id: int, at: datetime) -> None:
        self.seen_at[agent_id] = max(at, self.seen_at.get(agent_id, at))

    def forget(self, agent_id: int) -> None:
        self.seen_at.pop(agent_id, None)

    def take_unseen_since(self, before: datetime) -> list[int]:
        stale = sorted(a for a, at in self.seen_at.items() if at <= before)
        for agent_id in stale:
            del self.seen_at[agent_id]
        return stale


class FakePresence:
    def __init__(self, refuse: frozenset[int] = frozenset()) -> None:
        self.calls: list[tuple[int, str, str | None]] = []
        self._refuse = refuse

    def set_status(self, agent_id: int, status: str, reason: str | None = None) -> None:
        if agent_id in self._refuse:
            raise Conflict("Not an agent.")
        self.calls.append((agent_id, status, reason))


def watch(presence: FakePresence, clock: FixedClock, registry: FakeRegistry | None = None) -> PanelWatch:
    return PanelWatch(registry or FakeRegistry(), lambda: presence, clock, GRACE)


def test_an_agent_whose_panel_keeps_being_seen_stays_online() -> None:
    clock, presence = FixedClock(T0), FakePresence()
    panels = watch(presence, clock)
    for second in range(0, 300, 15):
        clock.set(T0 + timedelta(seconds=second))
        panels.panel_seen(7)
        assert panels.close_abandoned() == []
    assert presence.calls == []


def test_the_last_panel_closed_longer_than_the_grace_period_sets_the_agent_offline_once() -> None:
    clock, presence = FixedClock(T0), FakePresence()
    panels = watch(presence, clock)
    panels.panel_seen(7)
    panels.panel_seen(8)
    clock.set(T0 + timedelta(seconds=30))
    panels.panel_seen(8)
    clock.set(T0 + timedelta(seconds=59))
    assert panels.close_abandoned() == []  # a reload or a short cut is within the grace period
    clock.set(T0 + timedelta(seconds=61))
    assert panels.close_abandoned() == [7]
    assert panels.close_abandoned() == []
    assert presence.calls == [(7, "offline", None)]


def test_logging_out_sets_the_agent_offline_at_once_and_forgets_its_panels() -> None:
    clock, presence, registry = FixedClock(T0), FakePresence(), FakeRegistry()
    panels = watch(presence, clock, registry)
    panels.panel_seen(7)
    panels.logged_out(7)
    assert presence.calls == [(7, "offline", None)]
    assert registry.seen_at == {}


def test_an_agent_presence_refuses_is_skipped_not_fatal() -> None:
    clock, presence = FixedClock(T0), FakePresence(refuse=frozenset({7}))
    panels = watch(presence, clock)
    panels.panel_seen(7)
    panels.panel_seen(8)
    clock.set(T0 + timedelta(minutes=5))
    assert panels.close_abandoned() == [8]
    assert presence.calls == [(8, "offline", None)]
