"""The caller hangs up while the phones ring: each phone is cancelled, the CRM records an abandoned call."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sip_support import SipEdge, needs_sip_peers

pytestmark = needs_sip_peers


@pytest.fixture
def sip_edge_overrides() -> dict[str, Any]:
    # Rounds longer than the caller's patience: the call ends in its first round, on a loaded machine too.
    return {"ring_timeout_s": 15}


def test_the_caller_hanging_up_cancels_every_phone_and_leaves_an_abandoned_call(sip_edge: SipEdge) -> None:
    alice, bob = sip_edge.add_agent("alice", "fr"), sip_edge.add_agent("bob", "fr")
    for agent in (alice, bob):
        sip_edge.register(agent)
    phones = [sip_edge.phone(alice, "ring"), sip_edge.phone(bob, "ring")]
    caller, call_id, _ = sip_edge.call(cancel_ms=2000)

    assert caller.wait() == 0, caller.sent_and_received()
    for phone in phones:
        assert phone.wait() == 0, phone.sent_and_received()
        assert any(line.startswith("CANCEL") for line in phone.sent_and_received())
    # The hang-up records the call's end, commits, then ends its legs in the step's second transaction:
    # a read in between sees an ended call whose legs still ring. Wait for the step, not just its start.
    record = sip_edge.wait_for(lambda: (r := sip_edge.ended_record(call_id)) and all(
        leg["ended_at"] for leg in r["legs"]) and r, what=f"the end of every leg of {call_id}")
    assert (record["outcome"], record["agent_id"], record["announced"]) == ("abandoned", None, None)
    assert {leg["outcome"] for leg in record["legs"]} == {"no_answer"}
