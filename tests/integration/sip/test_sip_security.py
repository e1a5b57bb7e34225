"""Who may use our Kamailio: trusted trunks call; everyone else authenticates or is refused; floods are cut.

Malformed and unauthenticated requests arrive while a call is in progress, which must not notice.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from tests.sip_peers import free_udp_port
from tests.sip_support import SipEdge, needs_sip_peers

pytestmark = needs_sip_peers

GARBAGE = b"\x00\xff not SIP at all \r\n\r\n"
NO_VIA = (b"INVITE sip:+3225088586@127.0.0.1 SIP/2.0\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\n"
          b"To: <sip:+3225088586@127.0.0.1>\r\nCall-ID: broken-1\r\nCSeq: 1 INVITE\r\n"
          b"Content-Length: 0\r\n\r\n")
BAD_CSEQ = (b"INVITE sip:+3225088586@127.0.0.1 SIP/2.0\r\n"
            b"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKbad\r\n"
            b"From: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:+3225088586@127.0.0.1>\r\nCall-ID: broken-2\r\n"
            b"CSeq: banana INVITE\r\nContent-Length: 0\r\n\r\n")


def test_bad_requests_are_refused_without_harming_the_call_in_progress(sip_edge: SipEdge) -> None:
    alice = sip_edge.add_agent("alice", "fr")
    sip_edge.register(alice)
    phone = sip_edge.phone(alice, "answer", after_ms=200)
    caller, call_id, caller_ear = sip_edge.call(talk_ms=4000)
    sip_edge.wait_for(lambda: sip_edge.record(call_id).get("answered_at"), what="the answer")

    intruder = sip_edge.refused_call("somebody")  # untrusted source, no credentials: 407
    impostor = sip_edge.refused_call("alice")  # claims to be an agent, no credentials: 407 too
    wrong = sip_edge.register(alice, password="not-the-password", expect_ok=False, port=free_udp_port())
    for datagram in (GARBAGE, NO_VIA, BAD_CSEQ):
        reply = sip_edge.send_datagram(datagram)
        assert reply is None or reply.startswith(b"SIP/2.0 4"), reply

    assert intruder.wait() == 0 and impostor.wait() == 0, intruder.sent_and_received()
    assert wrong.wait() != 0
    answers = [line for line in wrong.sent_and_received() if line.startswith("SIP/2.0")]
    assert answers[:2] == ["SIP/2.0 401 Unauthorized"] * 2  # challenged again with credentials, never 200
    assert caller.wait() == 0, caller.sent_and_received()
    assert phone.wait() == 0, phone.sent_and_received()
    record = sip_edge.ended_record(call_id)
    assert (record["outcome"], record["agent_id"]) == ("answered", alice.user_id)
    assert caller_ear.packets > 50 and alice.ear.packets > 50
    # Nothing the intruders sent became a call.
    assert sip_edge.services.call_lifecycle.waiting() == []


@pytest.fixture
def sip_edge_overrides() -> dict[str, Any]:
    return {"sip_flood_limit": 15}


def test_a_flooding_source_is_cut_off_while_trusted_trunks_still_get_through(sip_edge: SipEdge) -> None:
    alice = sip_edge.add_agent("alice", "fr")
    sip_edge.register(alice)
    flooder = free_udp_port()
    options = (b"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKf%d\r\n"
               b"From: <sip:flood@127.0.0.1>;tag=%d\r\nTo: <sip:127.0.0.1>\r\nCall-ID: flood-%d\r\n"
               b"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
    for n in range(60):
        _fire(sip_edge, options % (flooder, n, n, n))
    time.sleep(0.3)
    assert sip_edge.send_datagram(options % (flooder, 99, 99, 99)) is None  # dropped: the source is cut off

    phone = sip_edge.phone(alice, "answer", after_ms=200)
    caller, call_id, _ = sip_edge.call(talk_ms=300)  # the trunk is trusted: no flood limit
    assert caller.wait() == 0, caller.sent_and_received()
    phone.kill()


def _fire(edge: SipEdge, data: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(data, ("127.0.0.1", edge.sip_port))
