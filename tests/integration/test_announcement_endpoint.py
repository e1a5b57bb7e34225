"""The announcement endpoint answering SIPp callers directly (loopback, not registering), and the probe.

A tone stands in for the rendered announcements except in the last tests, which play the real
espeak-ng rendering to the real probe.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.announcer_wiring import announcement_service
from callcenter.sip.announcer import AnnouncementEndpoint, EndpointConfig
from callcenter.sip.probe import ProbeConfig, SipProbe
from tests.integration.announcer_support import (
    HOST,
    RtpListener,
    Sipp,
    ToneAnnouncements,
    free_udp_port,
    free_udp_range,
    wait_until,
)

pytestmark = pytest.mark.slow


class Running:
    """An endpoint running in a thread on ``port``, talking to the one peer at ``peer_port``."""

    def __init__(self, announcements: Any, peer_port: int, max_calls: int = 4) -> None:
        self.port = free_udp_port()
        config = EndpointConfig(HOST, peer_port, "announcer", "", HOST, self.port,
                                free_udp_range(max_calls + 2), max_calls, register=False)
        self.endpoint = AnnouncementEndpoint(config, announcements)
        self.thread = threading.Thread(target=self.endpoint.run, daemon=True)
        self.thread.start()
        assert wait_until(lambda: self.endpoint.ready, 5)

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    def stop(self) -> None:
        self.endpoint.stop()
        self.thread.join(60)
        assert not self.thread.is_alive(), "run() did not return after stop()"


@pytest.fixture
def rtp() -> Iterator[RtpListener]:
    listener = RtpListener()
    yield listener
    listener.close()


def caller(tmp_path: Path, rtp: RtpListener, scenario: str = "caller_hears_announcement",
           **keys: str) -> Sipp:
    defaults = {"announcement": "closed", "language": "fr", "callback": "no", "codec": "0",
                "codec_name": "PCMU", "rtp_port": str(rtp.port)}
    return Sipp(tmp_path, scenario, keys={**defaults, **keys}, timeout_s=15)


def test_the_endpoint_plays_the_announcement_asked_for_and_hangs_up(tmp_path: Path, rtp: RtpListener) -> None:
    tone = ToneAnnouncements(tmp_path, seconds=1.5)
    sipp = caller(tmp_path, rtp, announcement="busy", language="nl", callback="yes")
    running = Running(tone, sipp.port)
    try:
        run = sipp.run(running.address)
    finally:
        running.stop()
    assert run.returncode == 0, run.output  # answered, then the endpoint's BYE
    assert tone.asked == [("busy-callback", "nl")]
    assert rtp.rms() > 5000 and 1.4 <= rtp.seconds() <= 3.0  # the whole tone, then the hang-up
    assert running.endpoint.answered == 1


@pytest.mark.parametrize(("announcement", "language", "heard"), [
    ("weather", "xx", ("closed", "fr")), ("probe", "de", ("probe", "de")), ("busy", "en", ("busy", "en")),
])
def test_unknown_values_fall_back_to_closed_and_the_default_language(
        tmp_path: Path, rtp: RtpListener, announcement: str, language: str, heard: tuple[str, str]) -> None:
    tone = ToneAnnouncements(tmp_path, seconds=0.3)
    sipp = caller(tmp_path, rtp, announcement=announcement, language=language)
    running = Running(tone, sipp.port)
    try:
        run = sipp.run(running.address)
    finally:
        running.stop()
    assert run.returncode == 0, run.output
    assert tone.asked == [heard]


def test_calls_beyond_max_calls_are_refused_with_486(tmp_path: Path, rtp: RtpListener) -> None:
    tone = ToneAnnouncements(tmp_path, seconds=2)
    sipp = Sipp(tmp_path, "caller_may_be_refused", keys={"rtp_port": str(rtp.port)}, calls=3, timeout_s=15,
                extra=["-l", "3", "-r", "20"])  # three callers within 0.15 s
    running = Running(tone, sipp.port, max_calls=2)
    try:
        run = sipp.run(running.address)
    finally:
        running.stop()
    assert run.returncode == 0, run.output
    answered = {m.header("Call-ID") for m in run.received("SIP/2.0 200", "INVITE")}
    refused = {m.header("Call-ID") for m in run.received("SIP/2.0 486")}  # retransmitted INVITEs: 486 again
    assert len(answered) == 2 and len(refused) == 1
    assert (running.endpoint.answered, running.endpoint.refused) == (2, 1)


def test_a_caller_who_hangs_up_while_it_rings_is_never_answered(tmp_path: Path, rtp: RtpListener) -> None:
    tone = ToneAnnouncements(tmp_path)
    sipp = caller(tmp_path, rtp, "caller_cancels")
    running = Running(tone, sipp.port)
    try:
        run = sipp.run(running.address)
    finally:
        running.stop()
    assert run.returncode == 0, run.output  # 487, and no 200 within 1.5 s
    assert tone.asked == [] and running.endpoint.answered == 0 and rtp.packets == []


def test_stop_lets_the_announcement_being_played_finish(tmp_path: Path, rtp: RtpListener) -> None:
    tone = ToneAnnouncements(tmp_path, seconds=2)
    sipp = caller(tmp_path, rtp)
    running = Running(tone, sipp.port)
    sipp.start(running.address)
    assert wait_until(lambda: rtp.packets, 5)
    running.endpoint.stop()  # while playing
    run = sipp.wait()
    running.thread.join(30)
    assert run.returncode == 0, run.output and not running.thread.is_alive()
    assert rtp.seconds() >= 1.9  # the caller heard it to the end


def test_the_probe_hears_the_rendered_probe_announcement(make_settings: Any, tmp_path: Path) -> None:
    announcements = announcement_service(make_settings(default_language="nl"))
    probe_port = free_udp_port()
    running = Running(announcements, probe_port)  # not registering, the endpoint talks to the probe only
    try:
        probe = SipProbe(ProbeConfig(HOST, running.port, "announcer", "", HOST, 10), sip_port=probe_port)
        result = probe.run("probe", announcement="probe")
    finally:
        running.stop()
    assert result.ok, result.line
    assert "answered after" in result.line and "audio heard" in result.line
    assert running.endpoint.answered == 1


def test_the_probe_fails_in_one_line_when_nothing_answers(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind((HOST, 0))
        port = silent.getsockname()[1]
        result = SipProbe(ProbeConfig(HOST, port, "announcer", "", HOST, 1.5)).run("probe")
    assert not result.ok and result.line == f"probe probe: no answer within 1.5 s from {HOST}:{port}"
