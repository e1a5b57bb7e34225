"""The pyVoIP phone and call with our fixes (see callcenter.sip.pyvoip_fixes for the list and the why).

``FixedVoIPPhone`` uses the fixed SIP client, can be reached without registering (``register=False``:
tests, or a peer that routes to it by address), ends a ringing call on CANCEL before its callback runs,
places bounded outgoing calls (``dial``), and keeps RTP ports owned by the calls that use them.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import pyVoIP.VoIP as VoIP  # noqa: I001  (first: importing pyVoIP.SIP first is a circular import)
from pyVoIP import RTP
from pyVoIP.VoIP import CallState, InvalidStateError

from callcenter.sip import sip_text as text
from callcenter.sip.pyvoip_fixes import INVITE_TIMEOUT_S, CallFailed, CallSetupTimeout, FixedSIPClient

POLL_S = 0.02


class FixedRTPClient(RTP.RTPClient):  # type: ignore[misc]
    def encode_packet(self, payload: bytes) -> bytes:
        if self.preference == RTP.PayloadType.PCMA:
            return bytes(self.encode_pcma(payload))  # fix 8: stock encodes PCMA with the µ-law table
        return bytes(super().encode_packet(payload))


class FixedVoIPCall(VoIP.VoIPCall):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lock = threading.Lock()  # answer() and a CANCEL must not cross
        self.failure: int | None = None  # the SIP status that refused our outgoing call
        super().__init__(*args, **kwargs)
        if self.state is CallState.RINGING:
            # Fix 7: stock leaves an incoming call's port out of assignedPorts.
            self.assignedPorts = {client.inPort: client.assoc for client in self.RTPClients}

    def create_rtp_clients(self, codecs: Any, ip: str, port: int, request: Any, baseport: int) -> None:
        for index in range(len(request.body["c"])):  # stock's loop, with FixedRTPClient
            self.RTPClients.append(FixedRTPClient(codecs, ip, port, request.body["c"][index]["address"],
                                                  baseport + index, self.sendmode, dtmf=self.dtmf_callback))

    def answer(self) -> None:
        with self.lock:
            super().answer()

    def hangup(self) -> None:
        with self.lock:
            if self.state is not CallState.ANSWERED:
                raise InvalidStateError("Call is not answered")
            super().hangup()
        self.phone.release_ports(call=self)

    def bye(self) -> None:
        with self.lock:
            super().bye()
        self.phone.release_ports(call=self)

    def refuse(self, status: str) -> bool:
        """Answer a ringing incoming call with a final failure (stock deny() crashes: RTP never started)."""
        if not self.end_unanswered():
            return False
        sip = self.phone.sip
        tag = sip.tagLibrary.get(self.call_id) or sip.gen_tag()
        refusal = text.response(self.request, status, to_tag=tag)
        with contextlib.suppress(OSError):  # the phone is stopping
            sip.send(refusal)
        return True

    def __del__(self) -> None:
        """Nothing. Stock gives the ports back here too, at garbage collection, which can run inside any
        block that holds a lock (this phone's portsLock, CPython's thread bookkeeping): its release
        takes both, and a test run hung on it. Every way a call ends gives its ports back (fix 7), and
        the phone's stop() those of calls that never ended."""

    def end_unanswered(self) -> bool:
        """End a call that is still ringing or dialling (RTP never started); tell whether it was."""
        with self.lock:
            if self.state not in (CallState.RINGING, CallState.DIALING):
                return False
            self.state = CallState.ENDED
        self.phone.calls.pop(self.call_id, None)
        self.phone.release_ports(call=self)
        return True


class FixedVoIPPhone(VoIP.VoIPPhone):  # type: ignore[misc]
    def __init__(self, server: str, port: int, username: str, password: str, *, my_ip: str, sip_port: int,
                 rtp_ports: tuple[int, int], call_callback: Any = None, register: bool = True,
                 admit: Callable[[Any], bool] | None = None) -> None:
        super().__init__(server, port, username, password, myIP=my_ip, callCallback=call_callback,
                         sipPort=sip_port, rtpPortLow=rtp_ports[0], rtpPortHigh=rtp_ports[1])
        self.sip = FixedSIPClient(server, port, username, password, phone=self, myIP=my_ip, myPort=sip_port,
                                  callCallback=self.callback, fatalCallback=self.fatal, register=register)
        self.admit = admit  # refuses a new incoming call with 486 when it says no (e.g. too many calls)

    def _callback_MSG_Invite(self, request: Any) -> None:  # noqa: N802 (pyVoIP's name)
        new = request.headers["Call-ID"] not in self.calls
        if new and self.admit is not None and not self.admit(request):
            self.sip.send(self.sip.gen_busy(request))
            return
        super()._callback_MSG_Invite(request)

    def _create_Call(self, request: Any, sess_id: int) -> None:  # noqa: N802 (pyVoIP's name)
        call_id = request.headers["Call-ID"]
        self.calls[call_id] = FixedVoIPCall(self, CallState.RINGING, request, sess_id, self.myIP,
                                            sendmode=self.recvmode)

    def cancel_ringing(self, call_id: str) -> bool:
        """End a ringing incoming call and its pending answer callback (fix 1); tell whether it rang."""
        call = self.calls.get(call_id)
        if not isinstance(call, FixedVoIPCall) or call.state is not CallState.RINGING:
            return False
        self._cancel_timer(call_id)
        return call.end_unanswered()

    def _cancel_timer(self, call_id: str) -> None:
        for timer, timer_call in list(self.threadLookup.items()):
            if timer_call == call_id:
                timer.cancel()  # the 1-s answer timer has not fired yet: the callback never runs

    def outgoing_failed(self, call: FixedVoIPCall, status: int) -> None:
        """End our outgoing call refused with ``status`` (fix 6)."""
        call.failure = status
        call.end_unanswered()

    def call(self, number: str, timeout_s: float = INVITE_TIMEOUT_S,
             headers: tuple[str, ...] = ()) -> FixedVoIPCall:
        """Send an INVITE (and extra ``headers``); return the call once it is proceeding (bounded, fix 6)."""
        port = self.request_port()
        medias = {port: {0: RTP.PayloadType.PCMU, 101: RTP.PayloadType.EVENT}}
        try:
            request, call_id, sess_id = self.sip.invite(number, medias, RTP.TransmitType.SENDRECV, timeout_s,
                                                        headers)
        except BaseException:
            self._give_back(port)
            raise
        call = FixedVoIPCall(self, CallState.DIALING, request, sess_id, self.myIP, ms=medias,
                             sendmode=self.sendmode)
        self.calls[call_id] = call
        early = self.sip.early.pop(call_id, None)
        if early is not None:
            self.callback(early)  # a 200 that came before any provisional response
        return call

    def dial(self, number: str, timeout_s: float, headers: tuple[str, ...] = ()) -> FixedVoIPCall:
        """Call ``number`` and wait until it is answered; CANCEL it and raise when nobody answers in time."""
        deadline = time.monotonic() + timeout_s
        call = self.call(number, timeout_s, headers)
        while call.state is CallState.DIALING and time.monotonic() < deadline:
            time.sleep(POLL_S)
        if call.state is CallState.ANSWERED:
            return call
        if call.end_unanswered():
            self.sip.cancel(call.request)
            raise CallSetupTimeout(f"no answer within {timeout_s:g} s")
        raise CallFailed(call.failure or 0, "refused")

    def stop(self, failed: bool = False) -> None:
        """Refuse the calls still ringing (480) before stopping: no callback may run on a stopped phone."""
        for call in list(self.calls.values()):
            if isinstance(call, FixedVoIPCall) and call.state is CallState.RINGING:
                self._cancel_timer(call.call_id)
                call.refuse("480 Temporarily Unavailable")
        super().stop(failed)

    def release_ports(self, call: Any = None) -> None:
        """Give back the ports of ``call`` (or of no live call); releasing twice is harmless (fix 7)."""
        with self.portsLock:
            self._cleanup_dead_calls()
            if isinstance(call, VoIP.VoIPCall):
                # Once only: a second release (stock's __del__ at garbage collection) would free the
                # port of whichever call got it next.
                ports, call.assignedPorts = list(call.assignedPorts), {}
            else:
                in_use = {p for live in list(self.calls.values()) for p in live.assignedPorts}
                ports = [p for p in self.assignedPorts if p not in in_use]
            for port in ports:
                if port in self.assignedPorts:
                    self.assignedPorts.remove(port)

    def _give_back(self, port: int) -> None:
        with self.portsLock:
            if port in self.assignedPorts:
                self.assignedPorts.remove(port)
