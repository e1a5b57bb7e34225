"""Each pyVoIP 1.6.8 override (callcenter.sip.pyvoip_fixes) against SIPp on loopback.

Every test runs twice: on our fixed phone (must pass) and on stock pyVoIP (strict xfail: it must
fail). When a pyVoIP release fixes a bug, its stock run passes, the strict xfail turns red, and the
override can go.
"""

from __future__ import annotations

import array
import contextlib
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pyVoIP.VoIP as VoIP  # noqa: I001
from pyVoIP import SIP
from pyVoIP.VoIP import CallState

from callcenter.sip.pyvoip_fixes import CallFailed, CallSetupTimeout
from callcenter.sip.pyvoip_phone import FixedVoIPPhone
from tests.integration.announcer_support import (
    HOST,
    RtpListener,
    Sipp,
    free_udp_port,
    free_udp_range,
    tag_of,
    wait_until,
)

pytestmark = pytest.mark.slow

FLAVOURS = ["fixed", pytest.param("stock", marks=pytest.mark.xfail(strict=True, reason="pyVoIP 1.6.8 bug"))]
TONE = bytes([128 + 60, 128 - 60] * 4000)  # 1 s of a loud 4 kHz square wave, 8-bit unsigned
PCMU = {"codec": 0, "codec_name": "PCMU", "callback": "no"}
PCMA = {"codec": 8, "codec_name": "PCMA", "callback": "no"}


class Callee:
    """The phone's answer callback: answer, send the tone, hang up after ``hold_s`` unless the caller did."""

    def __init__(self, hold_s: float = 0.6) -> None:
        self.hold_s = hold_s
        self.called: list[str] = []
        self.errors: list[BaseException] = []

    def __call__(self, call: Any) -> None:
        self.called.append(call.call_id)
        try:
            call.write_audio(TONE)
            call.answer()
            wait_until(lambda: call.state is not CallState.ANSWERED, self.hold_s)
            if call.state is CallState.ANSWERED:
                call.hangup()
        except Exception as exc:  # recorded: the test decides whether it matters
            self.errors.append(exc)


def start_phone(flavour: str, peer_port: int, callback: Callable[[Any], None] | None,
                rtp: tuple[int, int]) -> Any:
    """Start a phone that talks to SIPp directly, without registering."""
    sip_port = free_udp_port()
    if flavour == "fixed":
        phone = FixedVoIPPhone(HOST, peer_port, "announcer", "", my_ip=HOST, sip_port=sip_port, rtp_ports=rtp,
                               call_callback=callback, register=False)
    else:
        phone = VoIP.VoIPPhone(HOST, peer_port, "announcer", "", myIP=HOST, callCallback=callback,
                               sipPort=sip_port, rtpPortLow=rtp[0], rtpPortHigh=rtp[1])
        phone.sip.register = lambda: True  # stock always registers; these tests reach it directly
    phone.start()
    phone.test_port = sip_port
    return phone


@contextlib.contextmanager
def phone_for(flavour: str, peer_port: int, callback: Callable[[Any], None] | None = None,
              rtp_size: int = 4) -> Iterator[Any]:
    phone = start_phone(flavour, peer_port, callback, free_udp_range(rtp_size))
    try:
        yield phone
    finally:
        _unblock(phone)
        phone.stop()


def _unblock(phone: Any) -> None:
    # Stock call() may still block in recv holding the SIP lock: a junk datagram makes it raise and let go.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"junk", (HOST, phone.test_port))
    time.sleep(0.05)


def dial(flavour: str, phone: Any, number: str, timeout_s: float) -> Any:
    """Call and wait for the answer: the fixed phone's dial, or stock call() and polling."""
    if flavour == "fixed":
        return phone.dial(number, timeout_s)
    call = phone.call(number)
    wait_until(lambda: call.state is not CallState.DIALING, timeout_s)
    if call.state is not CallState.ANSWERED:
        raise CallSetupTimeout("stock pyVoIP: no answer")
    return call


# --- calls to the phone (it is the callee) ---------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_cancelled_invite_gets_487_and_never_reaches_the_callback(flavour: str, tmp_path: Path) -> None:
    callee = Callee()
    sipp = Sipp(tmp_path, "caller_cancels", keys={"announcement": "closed", "language": "fr",
                                                      "rtp_port": free_udp_port()}, timeout_s=6)
    with phone_for(flavour, sipp.port, callee) as phone:
        run = sipp.run(f"{HOST}:{phone.test_port}")
    assert run.returncode == 0, run.output
    [terminated] = run.received("SIP/2.0 487", "INVITE")
    [ringing] = run.received("SIP/2.0 180")
    assert tag_of(terminated.header("To")) == tag_of(ringing.header("To"))
    assert callee.called == []  # the 1-s answer timer never fired for the cancelled call


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_200_to_a_bye_carries_the_to_tag_of_the_dialog(flavour: str, tmp_path: Path) -> None:
    callee = Callee(hold_s=3)
    rtp = RtpListener()
    sipp = Sipp(tmp_path, "caller_hangs_up", keys={"announcement": "busy", "language": "nl",
                                                       "rtp_port": rtp.port}, timeout_s=8)
    with phone_for(flavour, sipp.port, callee) as phone:
        run = sipp.run(f"{HOST}:{phone.test_port}")
    rtp.close()
    assert run.returncode == 0, run.output
    [ok_invite] = run.received("SIP/2.0 200", "INVITE")
    [ok_bye] = run.received("SIP/2.0 200", "BYE")
    [bye] = run.sent("BYE")
    assert tag_of(ok_bye.header("To")) == tag_of(ok_invite.header("To")) != ""
    assert ok_bye.headers("Via") == bye.headers("Via")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_responses_copy_every_via_and_the_record_route(flavour: str, tmp_path: Path) -> None:
    rtp = RtpListener()
    keys = {**PCMU, "announcement": "closed", "language": "de", "rtp_port": rtp.port}
    sipp = Sipp(tmp_path, "caller_hears_announcement", keys=keys, timeout_s=8)
    with phone_for(flavour, sipp.port, Callee()) as phone:
        run = sipp.run(f"{HOST}:{phone.test_port}")
    rtp.close()
    assert run.returncode == 0, run.output
    invite = run.sent("INVITE")[0]  # SIPp may have retransmitted it
    for reply in run.received("SIP/2.0 180") + run.received("SIP/2.0 200", "INVITE"):
        assert reply.headers("Via") == invite.headers("Via")
        assert reply.headers("Record-Route") == invite.headers("Record-Route")
    [ringing] = run.received("SIP/2.0 180")
    assert f":{phone.test_port}" in ringing.header("Contact")  # ours, not the caller's


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_callees_bye_follows_the_dialog(flavour: str, tmp_path: Path) -> None:
    rtp = RtpListener()
    keys = {**PCMU, "announcement": "closed", "language": "fr", "rtp_port": rtp.port}
    sipp = Sipp(tmp_path, "caller_hears_announcement", keys=keys, timeout_s=8)
    with phone_for(flavour, sipp.port, Callee()) as phone:
        run = sipp.run(f"{HOST}:{phone.test_port}")
    rtp.close()
    assert run.returncode == 0, run.output
    invite = run.sent("INVITE")[0]  # SIPp may have retransmitted it
    [ok] = run.received("SIP/2.0 200", "INVITE")
    [bye] = run.received("BYE")
    assert bye.first_line == f"BYE sip:caller@127.0.0.1:{sipp.port} SIP/2.0"  # the caller's Contact
    vias = bye.headers("Via")
    assert len(vias) == 1  # our own Via, not the caller's
    assert vias[0].startswith(f"SIP/2.0/UDP {HOST}:{phone.test_port};branch=z9hG4bK")
    assert bye.headers("Route") == invite.headers("Record-Route")
    assert tag_of(bye.header("From")) == tag_of(ok.header("To"))
    assert tag_of(bye.header("To")) == tag_of(invite.header("From"))
    assert rtp.rms() > 5000  # the tone reached the caller


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_ports_of_ended_calls_are_given_back_and_never_shared(flavour: str, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """Three RTP ports: A keeps one; B ends; C, then D, must get ports nobody uses."""
    monkeypatch.setattr(random, "choice", lambda ports: sorted(ports)[0])  # deterministic picks
    low, high = free_udp_range(3)
    if flavour == "fixed":
        phone = FixedVoIPPhone(HOST, 5, "a", "", my_ip=HOST, sip_port=0, rtp_ports=(low, high),
                               register=False)
    else:
        phone = VoIP.VoIPPhone(HOST, 5, "a", "", myIP=HOST, rtpPortLow=low, rtpPortHigh=high)
    a, b = ringing_call(phone, "a"), ringing_call(phone, "b")
    b.bye()  # B's caller hung up
    c = ringing_call(phone, "c")
    phone.release_ports(call=b)  # as VoIPCall.__del__ does when B is garbage collected
    d = ringing_call(phone, "d")
    ports = [call.RTPClients[0].inPort for call in (a, c, d)]
    assert len(set(ports)) == 3, ports


def ringing_call(phone: Any, name: str) -> Any:
    invite = (f"INVITE sip:announcer@{HOST}:5070 SIP/2.0\r\n"
              f"Via: SIP/2.0/UDP {HOST}:5999;branch=z9hG4bK{name}\r\n"
              f"From: <sip:caller@{HOST}>;tag={name}\r\nTo: <sip:announcer@{HOST}>\r\nCall-ID: {name}\r\n"
              f"CSeq: 1 INVITE\r\nContact: <sip:caller@{HOST}:5999>\r\nContent-Type: application/sdp\r\n"
              f"Content-Length: 60\r\n\r\nv=0\r\no=c 1 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\n"
              "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
    phone._create_Call(SIP.SIPMessage(invite.encode()), 1)
    return phone.calls[name]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_pcma_is_sent_a_law_encoded(flavour: str, tmp_path: Path) -> None:
    """A caller offering PCMA only (European trunks): the tone must decode, as A-law, at its level."""
    rtp = RtpListener()
    keys = {**PCMA, "announcement": "closed", "language": "fr", "rtp_port": rtp.port}
    sipp = Sipp(tmp_path, "caller_hears_announcement", keys=keys, timeout_s=8)
    with phone_for(flavour, sipp.port, Callee()) as phone:
        run = sipp.run(f"{HOST}:{phone.test_port}")
    rtp.close()
    assert run.returncode == 0, run.output
    samples = sorted(abs(s) for s in array.array("h", rtp.linear()))
    loud = samples[len(samples) * 3 // 4]  # the tone fills most of the call; silence the rest
    assert 13000 <= loud <= 17500  # ±60 of 127 in 8-bit is ±15360 in 16-bit; µ-law bytes read as A-law: 2624


# --- calls from the phone (it is the caller) -------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_ack_of_a_200_carries_the_to_tag_of_the_200(flavour: str, tmp_path: Path) -> None:
    sipp = Sipp(tmp_path, "callee_answers", keys={"rtp_port": free_udp_port()}, timeout_s=8)
    with phone_for(flavour, sipp.port) as phone:
        sipp.start()
        time.sleep(0.3)
        call = dial(flavour, phone, "probe", 5)
        time.sleep(0.2)
        call.hangup()
        run = sipp.wait()
    assert run.returncode == 0, run.output
    [ok] = run.sent("SIP/2.0 200", "INVITE")
    [ack] = run.received("ACK")
    [bye] = run.received("BYE")
    assert tag_of(ack.header("To")) == tag_of(ok.header("To"))
    assert ack.first_line.startswith("ACK sip:callee@127.0.0.1")  # the Contact of the 200
    assert bye.first_line.startswith("BYE sip:callee@127.0.0.1")
    assert ack.headers("Route") == bye.headers("Route") == ok.headers("Record-Route")


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_refused_call_is_acked_and_ends_at_once(flavour: str, tmp_path: Path) -> None:
    sipp = Sipp(tmp_path, "callee_refuses", timeout_s=5)
    with phone_for(flavour, sipp.port) as phone:
        sipp.start()
        time.sleep(0.3)
        started = time.monotonic()
        with pytest.raises(CallFailed) as refused:
            dial(flavour, phone, "probe", 3)
        elapsed = time.monotonic() - started
        run = sipp.wait()
    assert refused.value.status == 486 and elapsed < 2
    assert run.returncode == 0, run.output  # SIPp got its ACK


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_an_unanswered_call_is_cancelled_when_its_time_is_up(flavour: str, tmp_path: Path) -> None:
    sipp = Sipp(tmp_path, "callee_never_answers", timeout_s=6)
    with phone_for(flavour, sipp.port) as phone:
        sipp.start()
        time.sleep(0.3)
        with pytest.raises(CallSetupTimeout):
            dial(flavour, phone, "probe", 1.5)
        run = sipp.wait()
    assert run.returncode == 0, run.output  # CANCEL, 200, 487, ACK


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_call_gives_up_when_nothing_answers_the_invite(flavour: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind((HOST, 0))
        with phone_for(flavour, silent.getsockname()[1]) as phone:
            outcome: list[BaseException | None] = []

            def place() -> None:
                try:
                    phone.call("probe", 1.0) if flavour == "fixed" else phone.call("probe")
                    outcome.append(None)
                except BaseException as exc:
                    outcome.append(exc)

            caller = threading.Thread(target=place, daemon=True)
            caller.start()
            caller.join(3)
            assert not caller.is_alive(), "call() is still blocked"
    assert isinstance(outcome[0], CallSetupTimeout)
