"""The announcement endpoint: a pyVoIP phone that answers, plays the requested announcement, hangs up.

Kamailio sends it the calls the routing engine answers with ``announce``, adding ``X-Announcement``
(closed, busy, probe; default closed), ``X-Language`` (fr, nl, de, en; default the default language)
and, for busy, ``X-Callback: yes`` when the missed call became a callback item. Calls beyond
``max_calls`` are refused at once with 486. pyVoIP answers ~1 s after the INVITE (its callback timer);
the caller hears ringing meanwhile. The audio comes ready-made from services.announcements (8 kHz mono
8-bit unsigned PCM, what pyVoIP sends).

``run()`` registers (or just listens, ``register=False``), re-registers after a failure, and returns
after ``stop()`` once the announcements being played have ended (at most ``DRAIN_S``); calls arriving
meanwhile are refused.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pyVoIP.VoIP as VoIP  # noqa: I001  (first: importing pyVoIP.SIP first is a circular import)
from pyVoIP.VoIP import CallState, InvalidStateError, PhoneStatus

from callcenter.domain.announcement_speech import BUSY, BUSY_CALLBACK, CLOSED, KINDS
from callcenter.domain.errors import DomainError
from callcenter.sip import sip_text as text
from callcenter.sip.pyvoip_phone import FixedVoIPCall, FixedVoIPPhone

log = logging.getLogger(__name__)

RATE = 8000  # bytes per second of 8 kHz 8-bit audio
TAIL_S = 0.3  # let the last packets leave before the BYE
PLAY_MARGIN_S = 3.0  # pyVoIP's send clock runs a little slow: allow this much beyond the audio's length
DRAIN_S = 45.0  # stop() waits this long at most for announcements being played
RETRY_S = 2.0  # wait before registering again after a failure (e.g. Kamailio still starting)
REGISTER_TIMEOUT_S = 5.0  # stock waits 30 s for a registrar's answer
POLL_S = 0.05
YES = frozenset({"1", "yes", "true"})


class AnnouncementAudio(Protocol):
    def language(self, value: str | None) -> str: ...

    def audio(self, kind: str, language: str) -> Any:
        """Return the rendered announcement; ``pcm8_path`` names its 8-bit WAV."""
        ...


@dataclass(frozen=True)
class EndpointConfig:
    server: str  # Kamailio (or, not registering, the one peer that calls us)
    server_port: int
    user: str
    password: str
    listen_ip: str
    sip_port: int
    rtp_ports: tuple[int, int]
    max_calls: int
    register: bool = True


@dataclass(frozen=True)
class Request:
    """What a caller asked the endpoint for, read from the INVITE."""

    kind: str
    language: str
    caller: str


def parse_rtp_ports(value: str) -> tuple[int, int]:
    """Read 'LOW-HIGH' (UDP ports) into a pair, or raise DomainError."""
    low, sep, high = value.partition("-")
    try:
        ports = (int(low), int(high))
    except ValueError:
        ports = (0, 0)
    if not sep or not 1024 <= ports[0] <= ports[1] <= 65535:
        raise DomainError(f"The RTP port range {value!r} is not LOW-HIGH between 1024 and 65535.")
    return ports


class AnnouncementEndpoint:
    def __init__(self, config: EndpointConfig, announcements: AnnouncementAudio, *,
                 load: Callable[[str], bytes] | None = None) -> None:
        self.config = config
        self._announcements = announcements
        self._load = load or read_pcm8
        self._stopping = threading.Event()
        self._phone: FixedVoIPPhone | None = None
        self.answered = 0
        self.refused = 0
        self._refused_ids: collections.deque[str] = collections.deque(maxlen=256)

    def run(self) -> None:
        """Answer calls until stop(); re-register after a failure."""
        while not self._stopping.is_set():
            phone = self._start_phone()
            if phone is not None:
                self._serve(phone)
            if not self._stopping.is_set():
                log.error("announcement endpoint stopped (no registration at %s:%s, or its port is taken); "
                          "starting again in %.0f s", self.config.server, self.config.server_port, RETRY_S)
                self._stopping.wait(RETRY_S)

    def stop(self) -> None:
        """Refuse new calls; run() returns once the announcements being played have ended."""
        self._stopping.set()

    def live_calls(self) -> int:
        phone = self._phone
        calls = list(phone.calls.values()) if phone is not None else []
        return sum(1 for call in calls if call.state in (CallState.RINGING, CallState.ANSWERED))

    @property
    def ready(self) -> bool:
        phone = self._phone
        return phone is not None and phone.get_status() is PhoneStatus.REGISTERED and phone.sip.receiving

    def _start_phone(self) -> FixedVoIPPhone | None:
        c = self.config
        phone = FixedVoIPPhone(c.server, c.server_port, c.user, c.password, my_ip=c.listen_ip,
                               sip_port=c.sip_port, rtp_ports=c.rtp_ports, call_callback=self._answer,
                               register=c.register, admit=self._admit)
        phone.sip.register_timeout = REGISTER_TIMEOUT_S
        try:
            phone.start()
        except OSError as exc:  # e.g. the SIP port is taken
            log.error("announcement endpoint cannot listen on %s:%s: %s", c.listen_ip, c.sip_port, exc)
            return None
        self._phone = phone
        log.info("announcement endpoint on %s:%s (%s)", c.listen_ip, c.sip_port,
                 f"registering at {c.server}:{c.server_port}" if c.register else "not registering")
        return phone

    def _serve(self, phone: FixedVoIPPhone) -> None:
        try:
            while not self._stopping.is_set() and phone.get_status() is not PhoneStatus.FAILED:
                self._stopping.wait(0.5)
            deadline = time.monotonic() + DRAIN_S
            while self._stopping.is_set() and self.live_calls() and time.monotonic() < deadline:
                time.sleep(POLL_S)
        finally:
            phone.stop()

    def _admit(self, invite: Any) -> bool:
        """Take a new call only while running and below max_calls (the SIP thread admits one at a time)."""
        call_id = invite.headers["Call-ID"]
        if call_id in self._refused_ids:  # a retransmission of an INVITE refused already
            return False
        admitted = not self._stopping.is_set() and self.live_calls() < self.config.max_calls
        if not admitted:
            self._refused_ids.append(call_id)
            self.refused += 1
            why = "stopping" if self._stopping.is_set() else f"{self.config.max_calls} calls already"
            log.warning("announcement endpoint refused a call (486): %s", why)
        return admitted

    def request_of(self, invite: Any) -> Request:
        """Read the announcement, language and caller from an INVITE (unknown values get the defaults)."""
        kind = (text.header(invite, "X-Announcement") or CLOSED).strip().lower()
        kind = kind if kind in KINDS else CLOSED
        if kind == BUSY and (text.header(invite, "X-Callback") or "").strip().lower() in YES:
            kind = BUSY_CALLBACK
        language = self._announcements.language(text.header(invite, "X-Language"))
        caller = text.uri_of(text.header(invite, "From") or "")
        return Request(kind, language, caller)

    def _answer(self, call: FixedVoIPCall) -> None:
        """Play the announcement to one caller and hang up (runs in pyVoIP's per-call timer thread)."""
        try:
            self._play(call)
        except Exception:  # a thread of pyVoIP's: log, and never leave the caller hanging
            log.exception("announcement endpoint: call %s failed", call.call_id)
            _end(call)

    def _play(self, call: FixedVoIPCall) -> None:
        request = self.request_of(call.request)
        try:
            audio = self._load(self._announcements.audio(request.kind, request.language).pcm8_path)
        except (DomainError, OSError) as exc:
            log.error("announcement %s-%s unavailable: %s", request.kind, request.language, exc)
            call.refuse("500 Announcement Unavailable")
            return
        call.write_audio(audio)  # queued before the answer: the first packet already carries the voice
        try:
            call.answer()
        except InvalidStateError:  # the caller hung up (CANCEL) while we were getting ready
            return
        self.answered += 1
        started = time.monotonic()
        _wait_played(call, len(audio))
        _end(call)
        log.info("announced %s-%s to %s (%.1f s)", request.kind, request.language, request.caller,
                 time.monotonic() - started)


def _wait_played(call: VoIP.VoIPCall, size: int) -> None:
    """Wait until pyVoIP has sent ``size`` bytes of audio, or the caller hung up."""
    deadline = time.monotonic() + size / RATE + PLAY_MARGIN_S
    while call.state is CallState.ANSWERED and time.monotonic() < deadline:
        if all(client.pmout.buffer.tell() >= size for client in call.RTPClients):
            time.sleep(TAIL_S)
            return
        time.sleep(POLL_S)


def _end(call: FixedVoIPCall) -> None:
    try:
        if call.state is CallState.ANSWERED:
            call.hangup()
        else:
            call.refuse("500 Announcement Failed")
    except (InvalidStateError, OSError, KeyError):
        pass  # ended meanwhile (the caller's BYE), or the phone is stopping


def read_pcm8(path: str) -> bytes:
    """Read the frames of an 8 kHz mono 8-bit WAV (services.announcements' pcm8_path)."""
    with wave.open(path, "rb") as audio:
        if (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) != (RATE, 1, 1):
            raise OSError(f"{path} is not 8 kHz mono 8-bit audio")
        return audio.readframes(audio.getnframes())
