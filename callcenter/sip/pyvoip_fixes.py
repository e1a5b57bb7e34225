"""Small, documented overrides of pyVoIP 1.6.8 (pinned); each has a test that fails on stock pyVoIP.

Signalling (``FixedSIPClient``):

1. CANCEL: stock answers 200 but never 487, and the call stays ringing, so the answer callback (fired
   1 s after the INVITE) answers a caller who hung up. Here a CANCEL that matches a ringing INVITE
   gets 200, the INVITE gets 487 Request Terminated, the pending callback is cancelled and the call
   ends; a CANCEL matching nothing gets 481; a retransmitted INVITE of a cancelled call gets 487 again.
2. Responses copy every Via exactly (stock rewrites them, drops parameters and forces port 5060), the
   180/200 to an INVITE copy its Record-Route, so the caller's BYE goes back through Kamailio, and the
   180 names our Contact (stock copies the caller's).
3. The 200 to a BYE (and to a CANCEL) carries the dialog's To-tag; stock invents a random one.
4. BYE: stock copies the INVITE's Via headers (the caller's!) and ignores the route set. Here a BYE
   has our own Via with a new branch, the Route set of the dialog, and the remote Contact as
   Request-URI, from either side of the call.
5. ACK of a 200: stock puts a random To-tag in it, so real phones never see the ACK and drop the call
   after 32 s (upstream issues 272, 312). Here it is an in-dialog request like the BYE.
6. Outgoing calls: stock ``call()`` holds a lock and blocks on the socket until a 100/180/401 comes,
   forever if none does, and ignores final responses other than 200/404/503 (a 486 is not even
   ACKed). Here the INVITE waits ``timeout_s`` at most (CallSetupTimeout), every final failure is ACKed
   and ends the call (CallFailed with the status), a 200 arriving before any provisional response is
   kept, and ``dial`` cancels (CANCEL) a call nobody answers in time.

Media bookkeeping (``FixedVoIPPhone``/``FixedVoIPCall``):

7. Stock never records an incoming call's RTP port as the call's, so ports are never released, and once
   the range is exhausted every port is freed, in use or not. Here each call owns its port and gives it
   back once when it ends (a second release must not free the port of the call that got it next), and
   not at garbage collection: stock's finalizer took the phone's lock and CPython's thread bookkeeping
   lock from inside whatever the collector interrupted, and deadlocked a test run.
8. Stock sends PCMA (A-law, what European trunks offer) encoded with the µ-law table: the caller hears
   a distorted voice at a wrong level. Here PCMA is A-law.

Import ``pyVoIP.VoIP`` before ``pyVoIP.SIP``: the other order is a circular import.
"""

from __future__ import annotations

import collections
import re
import select
import time
from typing import Any

import pyVoIP.VoIP  # noqa: F401, I001  (first: importing pyVoIP.SIP first is a circular import)
from pyVoIP import SIP
from pyVoIP.VoIP import PhoneStatus

from callcenter.sip import sip_text as text

INVITE_TIMEOUT_S = 10.0
NO_TRANSACTION = "481 Call/Transaction Does Not Exist"
REMEMBER_CANCELLED = 256  # call ids whose INVITE retransmissions get 487 again


class CallSetupTimeout(TimeoutError):
    """An outgoing call got no answer (or no response at all) in time."""


class CallFailed(Exception):
    """An outgoing call was refused: ``status`` is the SIP final response (486, 404, 503 …)."""

    def __init__(self, status: int, reason: str = "") -> None:
        super().__init__(f"SIP {status} {reason}".strip())
        self.status = status


class FixedSIPClient(SIP.SIPClient):  # type: ignore[misc]
    def __init__(self, *args: Any, register: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registering = register  # False: reachable directly (tests, a peer that routes by address)
        self.dialogs: dict[str, text.Dialog] = {}
        self.cancelled: collections.deque[str] = collections.deque(maxlen=REMEMBER_CANCELLED)
        self.early: dict[str, SIP.SIPMessage] = {}
        self.receiving = False

    def send(self, message: str) -> None:
        """Send to the server: pyVoIP talks to one peer (Kamailio, or the caller when reached directly)."""
        self.out.sendto(message.encode("utf8"), (self.server, self.port))

    def recv_loop(self) -> None:
        """Run stock's receive loop; stop() closing the socket under it ends it quietly."""
        self.receiving = True  # stock starts this loop 1 s after start(): until then nothing is read
        try:
            super().recv_loop()
        except OSError:
            if self.NSD:
                raise

    def register(self) -> bool:
        if self.registering:
            return bool(super().register())
        self.phone._status = PhoneStatus.REGISTERED
        return True

    def deregister(self) -> bool:
        return bool(super().deregister()) if self.registering else True

    # Fix 2: responses copy every Via; INVITE responses copy Record-Route.
    def _gen_response_via_header(self, request: SIP.SIPMessage) -> str:
        return "".join(f"Via: {via}\r\n" for via in text.header_values(request, "Via"))

    def gen_ringing(self, request: SIP.SIPMessage) -> str:
        ringing = re.sub(r"\r\nContact: [^\r\n]*", lambda _: f"\r\nContact: {self._contact()}",
                         super().gen_ringing(request), count=1)  # stock puts the caller's Contact here
        return text.insert_after_status(ringing, _record_route(request))

    def gen_answer(self, request: SIP.SIPMessage, sess_id: str, ms: Any, sendtype: Any) -> str:
        answer = super().gen_answer(request, sess_id, ms, sendtype)
        call_id = request.headers["Call-ID"]
        self.dialogs[call_id] = text.Dialog.as_callee(request, self.tagLibrary[call_id])
        return text.insert_after_status(answer, _record_route(request))

    # Fix 3: the To-tag of the dialog (the one our 180/200 gave), never a random one.
    def gen_ok(self, request: SIP.SIPMessage) -> str:
        return text.response(request, "200 OK", to_tag=self._local_tag(request))

    def gen_busy(self, request: SIP.SIPMessage) -> str:
        return text.response(request, "486 Busy Here", to_tag=self._local_tag(request))

    def _local_tag(self, request: SIP.SIPMessage) -> str:
        return str(self.tagLibrary.get(request.headers["Call-ID"]) or self.gen_tag())

    # Fixes 4 and 5: BYE and the ACK of a 2xx are in-dialog requests along the route set.
    def gen_bye(self, request: SIP.SIPMessage) -> str:
        dialog = self.dialogs.pop(request.headers["Call-ID"], None)
        if dialog is None:  # no dialog was ever confirmed: nothing better to build than stock's
            return str(super().gen_bye(request))
        dialog.cseq += 1
        return dialog.request("BYE", self._via(), dialog.cseq)

    def gen_ack(self, request: SIP.SIPMessage) -> str:
        call_id = request.headers["Call-ID"]
        if request.type == SIP.SIPMessageType.RESPONSE and 200 <= int(request.status) < 300:
            dialog = self.dialogs.setdefault(call_id, text.Dialog.as_caller(request))
            return dialog.request("ACK", self._via(), int(request.headers["CSeq"]["check"]))
        return self._non_2xx_ack(request)

    def _non_2xx_ack(self, failure: SIP.SIPMessage, invite: SIP.SIPMessage | None = None) -> str:
        """ACK a final failure of our INVITE: its branch and Request-URI (RFC 3261 17.1.1.3)."""
        call = self.phone.calls.get(failure.headers["Call-ID"])
        invite = invite or (call.request if call is not None else None)
        via = text.header_values(failure, "Via")[0]
        return text.transaction_request(invite or failure, "ACK", via, text.header(failure, "To") or "")

    def _contact(self) -> str:
        return f"<sip:{self.username}@{self.myIP}:{self.myPort}>"

    def _via(self) -> str:
        return f"SIP/2.0/UDP {self.myIP}:{self.myPort};branch={text.new_branch()};rport"

    def cancel(self, invite: SIP.SIPMessage) -> None:
        """Send a CANCEL for our ``invite`` (same Via branch and CSeq number, RFC 3261 9.1)."""
        via = text.header_values(invite, "Via")[0]
        self.send(text.transaction_request(invite, "CANCEL", via, text.header(invite, "To") or ""))

    def parse_message(self, message: SIP.SIPMessage) -> None:
        if message.type == SIP.SIPMessageType.MESSAGE:
            handler = {"CANCEL": self._on_cancel, "BYE": self._on_bye}.get(message.method)
            if handler is not None:
                return handler(message)
            if message.method == "INVITE" and message.headers["Call-ID"] in self.cancelled:
                terminated = text.response(message, "487 Request Terminated", to_tag=self._local_tag(message))
                return self.send(terminated)
        elif message.headers.get("CSeq", {}).get("method") != "INVITE":
            # A response to our BYE or CANCEL ends nothing more; stock would ACK a 200 to a BYE
            # (with an empty Request-URI) when it comes before the call is forgotten.
            return None
        else:
            status = int(message.status)
            if 200 <= status < 300:
                self.dialogs.setdefault(message.headers["Call-ID"], text.Dialog.as_caller(message))
            elif status >= 300:
                return self._on_invite_failure(message)
        return super().parse_message(message)

    # Fix 1: CANCEL of a ringing INVITE -> 200 to the CANCEL, 487 to the INVITE, no callback.
    def _on_cancel(self, cancel: SIP.SIPMessage) -> None:
        call_id = cancel.headers["Call-ID"]
        call = self.phone.calls.get(call_id)
        if call is None or text.branch_of(call.request) != text.branch_of(cancel):
            return self.send(text.response(cancel, NO_TRANSACTION, to_tag=self.gen_tag()))
        self.send(text.response(cancel, "200 OK", to_tag=self._local_tag(cancel)))
        if self.phone.cancel_ringing(call_id):
            self.cancelled.append(call_id)
            self.send(text.response(call.request, "487 Request Terminated", to_tag=self._local_tag(cancel)))

    def _on_bye(self, bye: SIP.SIPMessage) -> None:
        call_id = bye.headers["Call-ID"]
        call = self.phone.calls.get(call_id)
        if call is None and call_id not in self.dialogs:
            return self.send(text.response(bye, NO_TRANSACTION, to_tag=self.gen_tag()))
        self.dialogs.pop(call_id, None)
        self.send(text.response(bye, "200 OK", to_tag=self._local_tag(bye)))
        if call is not None:
            call.bye()

    def _on_invite_failure(self, failure: SIP.SIPMessage) -> None:
        self.send(self._non_2xx_ack(failure))
        call = self.phone.calls.get(failure.headers["Call-ID"])
        if call is not None:
            self.phone.outgoing_failed(call, int(failure.status))

    # Fix 6: the INVITE transaction waits a bounded time.
    def invite(self, number: str, ms: Any, sendtype: Any, timeout_s: float = INVITE_TIMEOUT_S,
               headers: tuple[str, ...] = ()) -> Any:
        deadline = time.monotonic() + timeout_s
        call_id, sess_id = self.gen_call_id(), self.sessID.next()
        branch = "z9hG4bK" + self.gen_call_id()[0:25]
        invite = self.gen_invite(number, str(sess_id), ms, sendtype, branch, call_id)
        invite = text.insert_after_status(invite, list(headers))
        with self.recvLock:
            self.send(invite)
            reply = self._first_reply(SIP.SIPMessage(invite.encode("utf8")), deadline)
            if int(reply.status) == 401:
                invite = self._authenticated(reply, invite)
        return SIP.SIPMessage(invite.encode("utf8")), call_id, sess_id

    def _first_reply(self, invite: SIP.SIPMessage, deadline: float) -> SIP.SIPMessage:
        """Wait for the first provisional, 200 or 401 of our INVITE; ACK and raise a final failure."""
        call_id = invite.headers["Call-ID"]
        while True:
            reply = self._receive(deadline)
            if reply is None:
                continue
            if reply.type != SIP.SIPMessageType.RESPONSE or reply.headers.get("Call-ID") != call_id:
                self.parse_message(reply)
                continue
            status = int(reply.status)
            if status == 200:
                self.early[call_id] = reply  # handled once the call object exists (VoIPPhone.call)
            if status >= 300 and status != 401:
                self.send(self._non_2xx_ack(reply, invite))
                raise CallFailed(status, reply.status.phrase)
            return reply

    def _receive(self, deadline: float) -> SIP.SIPMessage | None:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([self.s], [], [], left)[0]:
            raise CallSetupTimeout("no response to the INVITE in time")
        try:
            return SIP.SIPMessage(self.s.recv(8192))
        except (BlockingIOError, SIP.SIPParseError, ValueError, KeyError, IndexError):
            return None

    def _authenticated(self, challenge: SIP.SIPMessage, invite: str) -> str:
        """Send the INVITE again with credentials: a new transaction (new branch, next CSeq)."""
        self.send(self._non_2xx_ack(challenge, SIP.SIPMessage(invite.encode("utf8"))))
        digest = str(self.gen_authorization(challenge), "utf8")
        realm, nonce = challenge.authentication["realm"], challenge.authentication["nonce"]
        auth = (f'Authorization: Digest username="{self.username}",realm="{realm}",nonce="{nonce}",'
                f'uri="sip:{self.server};transport=UDP",response="{digest}",algorithm=MD5\r\n')
        invite = re.sub(r"branch=[^;\r\n]+", f"branch={text.new_branch()}", invite, count=1)
        cseq = self.inviteCounter.next()
        invite = re.sub(r"\r\nCSeq: \d+ INVITE", f"\r\nCSeq: {cseq} INVITE", invite, count=1)
        invite = invite.replace("\r\nContent-Length", f"\r\n{auth}Content-Length")
        self.send(invite)
        return invite


def _record_route(request: SIP.SIPMessage) -> list[str]:
    return [f"Record-Route: {value}" for value in text.header_values(request, "Record-Route")]
