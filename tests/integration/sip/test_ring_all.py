"""Calls through our Kamailio to agents' phones: SIPp phones and callers, the real CTI API (SQLite, Redis).

The office is open around the clock (tests.integration.web_processes); rounds last 3 s.
"""

from __future__ import annotations

from tests.sip_support import SERVICE_NUMBER, SipEdge, needs_sip_peers

pytestmark = needs_sip_peers


def test_ring_all_the_second_agent_answers_the_first_is_cancelled(sip_edge: SipEdge) -> None:
    alice, bob = sip_edge.add_agent("alice", "fr"), sip_edge.add_agent("bob", "fr")
    for agent in (alice, bob):
        sip_edge.register(agent)
    alice_phone, bob_phone = sip_edge.phone(alice, "ring"), sip_edge.phone(bob, "answer", after_ms=1500)
    caller, call_id, caller_ear = sip_edge.call(talk_ms=1500)

    assert caller.wait() == 0, caller.sent_and_received()
    assert bob_phone.wait() == 0, bob_phone.sent_and_received()
    assert alice_phone.wait() == 0, alice_phone.sent_and_received()
    assert any(line.startswith("CANCEL") for line in alice_phone.sent_and_received())
    record = sip_edge.ended_record(call_id)
    assert (record["agent_id"], record["outcome"]) == (bob.user_id, "answered")
    assert {(leg["agent_id"], leg["outcome"]) for leg in record["legs"]} == {(alice.user_id, "rang"),
                                                                           (bob.user_id, "answered")}
    for agent in (alice, bob):  # the screen-pop reached both panels while their phones rang
        assert [pop["call_id"] for pop in sip_edge.panel_events(agent, "screen_pop")] == [call_id]
    assert caller_ear.packets > 20 and bob.ear.packets > 20  # audio both ways, straight between them
    assert alice.ear.packets == 0


def test_no_answer_in_round_one_rings_the_wider_group_in_round_two(sip_edge: SipEdge) -> None:
    alice, bert = sip_edge.add_agent("alice", "fr"), sip_edge.add_agent("bert", "nl")
    for agent in (alice, bert):
        sip_edge.register(agent)
    alice_phone = sip_edge.phone(alice, "ring", calls=2)  # rung in both rounds, never answers
    bert_phone = sip_edge.phone(bert, "answer", after_ms=1000)  # Dutch only: rung once the call widens
    caller, call_id, _ = sip_edge.call(number=SERVICE_NUMBER, talk_ms=500)

    assert caller.wait() == 0, caller.sent_and_received()
    assert bert_phone.wait() == 0, bert_phone.sent_and_received()
    alice_phone.kill()
    invites = [line for line in alice_phone.sent_and_received() if line.startswith("INVITE")]
    assert len(invites) == 2
    record = sip_edge.ended_record(call_id)
    assert record["agent_id"] == bert.user_id
    legs = {(leg["agent_id"], leg["round"], leg["outcome"]) for leg in record["legs"]}
    assert legs == {(alice.user_id, 1, "no_answer"), (alice.user_id, 2, "rang"),
                    (bert.user_id, 2, "answered")}


def test_an_agent_declining_leaves_the_others_ringing(sip_edge: SipEdge) -> None:
    alice, bob = sip_edge.add_agent("alice", "fr"), sip_edge.add_agent("bob", "fr")
    for agent in (alice, bob):
        sip_edge.register(agent)
    alice_phone = sip_edge.phone(alice, "decline", after_ms=300)
    bob_phone = sip_edge.phone(bob, "answer", after_ms=2000)
    caller, call_id, _ = sip_edge.call(talk_ms=500)

    assert caller.wait() == 0, caller.sent_and_received()
    assert alice_phone.wait() == 0 and bob_phone.wait() == 0
    record = sip_edge.ended_record(call_id)
    assert record["agent_id"] == bob.user_id
    assert {(leg["agent_id"], leg["round"], leg["outcome"]) for leg in record["legs"]} == {
        (alice.user_id, 1, "declined"), (bob.user_id, 1, "answered")}


def test_a_phone_that_is_not_registered_is_never_rung(sip_edge: SipEdge) -> None:
    alice, carol = sip_edge.add_agent("alice", "fr"), sip_edge.add_agent("carol", "fr")
    sip_edge.register(alice)  # carol is available but her phone never registered
    alice_phone, carol_phone = sip_edge.phone(alice, "answer", after_ms=300), sip_edge.phone(carol, "answer")
    caller, call_id, _ = sip_edge.call(talk_ms=300)

    assert caller.wait() == 0 and alice_phone.wait() == 0
    carol_phone.kill()
    assert carol_phone.sent_and_received() == []
    assert {leg["agent_id"] for leg in sip_edge.ended_record(call_id)["legs"]} == {alice.user_id}
    assert sip_edge.panel_events(carol, "screen_pop") == []
