"""The test-call probe: one short pyVoIP call through Kamailio, checked for an answer and audible audio.

By default it dials the probe number, which routing sends straight to the announcement endpoint as a
test call (no agent rung, never counted). It succeeds once ``HEARD_S`` of non-silent audio has
arrived, then hangs up; it fails, with one line saying why, when the call is refused, unanswered,
or silent. It authenticates as the announcement endpoint's account but never registers (a
registration would make Kamailio send announcements to the probe).
"""

from __future__ import annotations

import array
import contextlib
import math
import socket
import time
from dataclasses import dataclass

from pyVoIP.VoIP import CallState  # noqa: I001  (pyVoIP.VoIP first: the other order is a circular import)

from callcenter.sip.pyvoip_fixes import CallFailed, CallSetupTimeout
from callcenter.sip.pyvoip_phone import FixedVoIPCall, FixedVoIPPhone

FRAME = 160  # bytes of 8-bit audio per 20 ms
HEARD_S = 0.5  # this much non-silent audio makes the probe succeed
SILENCE_RMS = 3.0  # of 127: below about -32 dBFS a frame counts as silence
POLL_S = 0.02


@dataclass(frozen=True)
class ProbeConfig:
    server: str  # Kamailio, or the announcement endpoint itself
    server_port: int
    user: str
    password: str
    listen_ip: str
    timeout_s: float


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    line: str


class SipProbe:
    def __init__(self, config: ProbeConfig, *, sip_port: int | None = None) -> None:
        self.config = config
        self._sip_port = sip_port  # else a free one

    def run(self, number: str, *, announcement: str | None = None) -> ProbeResult:
        """Call ``number``; say whether it answered and sent audible audio within the timeout.

        ``announcement`` asks for one (X-Announcement) when dialling the endpoint itself, not Kamailio.
        """
        c = self.config
        sip_port = self._sip_port or _free_port(c.listen_ip)
        phone = FixedVoIPPhone(c.server, c.server_port, c.user, c.password, my_ip=c.listen_ip,
                               sip_port=sip_port, rtp_ports=(_free_port(c.listen_ip),) * 2, register=False)
        headers = (f"X-Announcement: {announcement}",) if announcement else ()
        started = time.monotonic()
        try:
            phone.start()
            return self._call(phone, number, headers, started)
        except CallFailed as exc:
            return ProbeResult(False, f"probe {number}: refused with SIP {exc.status} "
                                      f"after {_since(started)}")
        except CallSetupTimeout:
            return ProbeResult(False, f"probe {number}: no answer within {c.timeout_s:g} s "
                                      f"from {c.server}:{c.server_port}")
        except OSError as exc:
            return ProbeResult(False, f"probe {number}: network error: {exc}")
        finally:
            phone.stop()

    def _call(self, phone: FixedVoIPPhone, number: str, headers: tuple[str, ...],
              started: float) -> ProbeResult:
        call = phone.dial(number, self.config.timeout_s, headers)
        answered = _since(started)
        heard, level = _listen(call, started + self.config.timeout_s)
        if call.state is CallState.ANSWERED:
            with contextlib.suppress(OSError):
                call.hangup()
        if heard >= HEARD_S:
            return ProbeResult(True, f"probe {number}: answered after {answered}, audio heard "
                                     f"({level:.0f} dBFS), hung up")
        ended = "the far end hung up" if call.state is not CallState.ANSWERED else "timed out"
        return ProbeResult(False, f"probe {number}: answered after {answered} but no audio "
                                  f"({heard:.2f} s heard, {ended})")


def _listen(call: FixedVoIPCall, deadline: float) -> tuple[float, float]:
    """Read the call's audio until HEARD_S of it is non-silent; return (seconds heard, loudest dBFS)."""
    heard, loudest = 0.0, 0.0
    while call.state is CallState.ANSWERED and heard < HEARD_S and time.monotonic() < deadline:
        frame = call.read_audio(FRAME, blocking=False)
        level = _rms(frame)
        if level > SILENCE_RMS:
            heard += len(frame) / 8000
            loudest = max(loudest, level)
        time.sleep(POLL_S)
    return heard, 20 * math.log10(loudest / 127) if loudest else -math.inf


def _rms(frame: bytes) -> float:
    """Return the RMS of 8-bit unsigned audio around its silence (0x80), on a 0–127 scale."""
    if not frame:
        return 0.0
    samples = array.array("B", frame)
    return math.sqrt(sum((s - 128) ** 2 for s in samples) / len(samples))


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.2f} s"


def _free_port(ip: str) -> int:
    """Return a UDP port free right now (the probe is a short-lived client: one call, one RTP port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((ip, 0))
        return int(s.getsockname()[1])
