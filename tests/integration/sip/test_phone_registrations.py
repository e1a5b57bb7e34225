"""Phones registering through our Kamailio: what the service learns, and Kamailio correcting it."""

from __future__ import annotations

import json
import time

from tests.sip_support import SipEdge, needs_sip_peers
from webhooks.cti_client import CtiClient
from webhooks.signatures import cti_secret

pytestmark = needs_sip_peers


def test_registering_and_unregistering_a_phone_reaches_the_service(sip_edge: SipEdge) -> None:
    alice = sip_edge.add_agent("alice", "fr")
    sip_edge.register(alice, expires=300)
    status = sip_edge.services.phone_registrations.status("alice")
    assert status["contacts"][0]["uri"] == f"sip:alice@127.0.0.1:{alice.port}"
    assert status["contacts"][0]["user_agent"] == "SIPp phone"
    sip_edge.register(alice, expires=0)  # the phone signs off
    sip_edge.wait_for(lambda: not sip_edge.services.phone_registrations.status("alice")["registered"],
                      what="the report that alice's phone signed off")


def test_an_agent_the_service_wrongly_believes_registered_is_corrected_and_others_ring(
        sip_edge: SipEdge) -> None:
    alice, ghost = sip_edge.add_agent("alice", "fr"), sip_edge.add_agent("ghost", "fr")
    sip_edge.register(alice)
    # The service believes ghost's phone registered (say, before Kamailio restarted): Kamailio has none.
    api = CtiClient(sip_edge.settings.sip_cti_url, cti_secret(sip_edge.settings))
    response = api.post("/cti/v1/registrations", {
        "event_id": "stale", "user": "ghost", "sent_at": f"{time.time() - 60:.6f}",
        "contacts": [{"uri": "sip:ghost@127.0.0.1:9", "expires_at": int(time.time()) + 600}]})
    assert response.status == 200, json.dumps(response.body)
    phone = sip_edge.phone(alice, "answer", after_ms=500)
    caller, call_id, _ = sip_edge.call(talk_ms=300)

    assert caller.wait() == 0, caller.sent_and_received()
    assert phone.wait() == 0
    assert sip_edge.ended_record(call_id)["agent_id"] == alice.user_id
    sip_edge.wait_for(lambda: "ghost" not in sip_edge.services.phone_registrations.registered_users(),
                      what="Kamailio's correction of ghost's registration")
    assert ghost.ear.packets == 0


def test_a_disabled_agents_phone_can_no_longer_register(sip_edge: SipEdge) -> None:
    alice = sip_edge.add_agent("alice", "fr")
    sip_edge.register(alice)  # the SIP password works
    sip_edge.services.identity.disable("alice")
    again = sip_edge.register(alice, expect_ok=False)  # the same phone, the same (right) password
    assert again.wait() != 0
    answers = [line for line in again.sent_and_received() if line.startswith("SIP/2.0")]
    assert answers[:2] == ["SIP/2.0 401 Unauthorized"] * 2  # challenged again with credentials, never 200
    assert "SIP/2.0 200 OK" not in answers
