"""Announcements through our Kamailio: the endpoint registers, callers hear closed or busy, the probe works.

Real peers on loopback: Kamailio and `callcenter web` from tests.sip_support, the announcement endpoint
(pyVoIP) registered with its service account, SIPp callers from the trusted trunk, the probe.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from callcenter.announcer_wiring import announcement_endpoint, probe
from callcenter.domain.opening_hours import DAY_NAMES
from tests.integration.announcer_support import RtpListener, free_udp_port, free_udp_range, wait_until
from tests.sip_support import SCENARIOS, SERVICE_NUMBER, SipEdge, needs_sip_peers
from tests.sip_support import sip_edge as sip_edge  # noqa: F401  (the fixture)

pytestmark = [needs_sip_peers, pytest.mark.slow]


def _closed_hours() -> str:
    """Opening hours that are not now: one minute at 03:00, three days from today (Brussels)."""
    today = datetime.now(ZoneInfo("Europe/Brussels")).weekday()
    return f"{DAY_NAMES[(today + 3) % 7]} 03:00-03:01"


CLOSED = {"office_hours": _closed_hours()}
BUSY_SOON = {"max_wait_s": 2, "route_retry_s": 1}


@pytest.fixture
def endpoint(sip_edge: SipEdge) -> Iterator[Any]:
    """The announcement endpoint of `callcenter sip`, registered to the test's Kamailio."""
    low, high = free_udp_range(6)
    settings = sip_edge.settings.replace(sip_announcer_port=free_udp_port(),
                                         sip_announcer_rtp_ports=f"{low}-{high}",
                                         data_dir=sip_edge.tmp / "announcer")
    running = announcement_endpoint(settings)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    assert wait_until(lambda: running.ready, 15), "the announcement endpoint did not register"
    yield running
    running.stop()
    thread.join(60)


def call(sip_edge: SipEdge, talk_ms: int, caller: str = "+3222345678",
         extra_header: str = "") -> tuple[Any, str, RtpListener]:
    """A caller from the trusted trunk whose audio lands in an RtpListener (to measure its level)."""
    ear = RtpListener()
    call_id = f"ann-{free_udp_port()}"
    text = (SCENARIOS / "caller.xml").read_text().replace("@FROM@", caller)
    if extra_header:
        text = text.replace("Max-Forwards: 70", f"{extra_header}\n      Max-Forwards: 70", 1)
    text = text.replace("@RTP_PORT@", str(ear.port)).replace("@TALK_MS@", str(talk_ms))
    run = sip_edge._sipp("caller", text, [f"127.0.0.1:{sip_edge.sip_port}", "-s", SERVICE_NUMBER, "-p",
                                          str(sip_edge.trunk_port), "-m", "1", "-cid_str", call_id,
                                          "-timeout", "30", "-timeout_error"])
    return run, call_id, ear


@pytest.mark.parametrize("sip_edge_overrides", [CLOSED])
def test_closed_the_caller_hears_the_closed_announcement_and_the_call_ends_cleanly(
        sip_edge: SipEdge, endpoint: Any) -> None:
    caller, call_id, ear = call(sip_edge, talk_ms=4000)
    try:
        assert caller.wait() == 0, caller.sent_and_received()  # answered, then its BYE got a 200
    finally:
        ear.close()
    assert ear.rms() > 1000 and ear.seconds() > 3  # speech, not pyVoIP's silence
    assert endpoint.answered == 1
    record = sip_edge.ended_record(call_id)
    assert (record["announced"], record["out_of_hours"], record["test"]) == ("closed", True, False)


def announced(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the endpoint says it played: "<kind>-<language> to <caller>" per call."""
    return [r.getMessage().removeprefix("announced ").split(" (")[0] for r in caplog.records
            if r.name == "callcenter.sip.announcer" and r.getMessage().startswith("announced ")]


@pytest.mark.parametrize("sip_edge_overrides", [BUSY_SOON])
def test_past_the_maximum_wait_the_caller_hears_busy_and_gets_a_callback(
        sip_edge: SipEdge, endpoint: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="callcenter.sip.announcer")
    caller, call_id, ear = call(sip_edge, talk_ms=3000, caller="+32471123456")
    try:
        assert caller.wait() == 0, caller.sent_and_received()
    finally:
        ear.close()
    assert ear.rms() > 1000 and ear.seconds() > 2
    record = sip_edge.ended_record(call_id)
    assert (record["announced"], record["outcome"]) == ("busy", "busy")
    question = sip_edge.services.questions.get(record["question"])
    assert question.channel == "phone"  # the callback item on the CRM
    # Kamailio passed the callback on (X-Callback: yes): the caller heard the promise to call back.
    assert announced(caplog) == ["busy-callback-fr to sip:+32471123456@127.0.0.1"]


@pytest.mark.parametrize("sip_edge_overrides", [BUSY_SOON])
def test_a_withheld_number_hears_busy_without_a_promise_even_if_the_caller_forges_one(
        sip_edge: SipEdge, endpoint: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="callcenter.sip.announcer")
    caller, call_id, ear = call(sip_edge, talk_ms=3000, caller="anonymous", extra_header="X-Callback: yes")
    try:
        assert caller.wait() == 0, caller.sent_and_received()
    finally:
        ear.close()
    assert ear.rms() > 1000 and ear.seconds() > 2
    record = sip_edge.ended_record(call_id)
    assert (record["announced"], record["outcome"], record["question"]) == ("busy", "busy", None)
    # No callback item (callback: null), and Kamailio dropped the caller's own X-Callback header.
    assert announced(caplog) == ["busy-fr to sip:anonymous@127.0.0.1"]


@pytest.mark.parametrize("sip_edge_overrides", [CLOSED])
def test_the_probe_through_kamailio_hears_the_endpoint_and_is_a_test_call(sip_edge: SipEdge,
                                                                          endpoint: Any) -> None:
    result = probe(sip_edge.settings, timeout_s=10).run(sip_edge.settings.sip_probe_number)
    assert result.ok, result.line
    assert sip_edge.services.call_stats.today()["out_of_hours"] == 0  # closed, yet the probe is no call
