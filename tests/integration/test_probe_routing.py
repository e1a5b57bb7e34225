"""Routing of the test-call probe: straight to the announcement endpoint, flagged test, never counted."""

from __future__ import annotations

import pytest

from callcenter.bootstrap import Services
from tests.integration.routing_support import add_agent, routed_services  # noqa: F401
from tests.integration.test_cti_api import event, route

pytestmark = pytest.mark.redis


def test_a_call_to_the_probe_number_hears_the_probe_announcement_and_rings_nobody(routed: Services) -> None:
    anne = add_agent(routed, "anne", "fr")
    decision = route(routed, "p1", to="probe", caller="announcer")
    assert (decision["action"], decision["announcement"], decision["language"]) == ("announce", "probe", "fr")
    assert "appel de test" in decision["text"]
    record = routed.call_lifecycle.record("p1")
    assert (record["test"], record["announced"], record["legs"]) == (True, "probe", [])
    citizen = route(routed, "c1")  # Anne was not reserved by the probe: a real caller rings her
    assert citizen["action"] == "ring" and [t["agent_id"] for t in citizen["targets"]] == [anne]


def test_the_probe_is_answered_when_the_office_is_closed_too(routed: Services) -> None:
    routed.clock.set(routed.clock.now().replace(hour=19))  # 20:00 in Brussels
    decision = route(routed, "p1", to="probe", caller="announcer")
    assert decision["announcement"] == "probe"
    assert routed.call_lifecycle.record("p1")["out_of_hours"] is False


def test_probe_calls_never_count_in_the_indicators(routed: Services) -> None:
    route(routed, "p1", to="probe", caller="announcer")
    event(routed, "p1-new", "newCall", "p1", **{"from": "announcer", "to": "probe"})
    event(routed, "p1-hangup", "hangup", "p1", cause="normal")
    route(routed, "p2", to="probe", caller="announcer")
    event(routed, "p2-hangup", "hangup", "p2", cause="cancel")
    stats = routed.call_stats.today()
    assert (stats["answered"], stats["abandoned"], stats["busy"], stats["out_of_hours"]) == (0, 0, 0, 0)
    assert stats["share_answered_within_20s"] is None
