"""One call driven through the CTI API as a PBX would (``callcenter simulate-call``, the demo's calls).

newCall, then route round after round: on "ring" every target gets a ringing event, the first target
answers after ``answer_after`` seconds (or the round times out and the next round is asked for), and
the call hangs up after ``duration``; on "wait" it asks again after the given delay; on "announce"
the caller hears it and hangs up. A caller who waited ``give_up_after`` seconds hangs up (abandoned).
Every step is reported through ``say`` as it happens, with what the API answered.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from webhooks.cti_client import CtiClient, CtiError


@dataclass(frozen=True)
class CallScript:
    from_number: str
    to_number: str
    answer_after_s: float | None = 3.0  # None: nobody answers
    duration_s: float = 30.0
    give_up_after_s: float = 600.0
    test: bool = False


class SimulatedCall:
    def __init__(self, client: CtiClient, script: CallScript, say: Callable[[str], None], *,
                 sleep: Callable[[float], None] = time.sleep, monotonic: Callable[[], float] = time.monotonic,
                 call_id: str | None = None) -> None:
        self._client = client
        self._script = script
        self._say = say
        self._sleep = sleep
        self._monotonic = monotonic
        self.call_id = call_id or f"sim-{uuid.uuid4().hex[:12]}"
        self.outcome: str | None = None

    def run(self) -> int:
        """Play the call; return 0 once it ended as scripted, 1 if the API refused a step or is down."""
        try:
            self._event("newCall", **{"from": self._script.from_number, "to": self._script.to_number})
            self._rounds(self._monotonic())
        except CtiError as exc:
            self._say(f"{self.call_id}: stopped: {exc}")
            return 1
        return 0

    def _rounds(self, started: float) -> None:
        round_ = 1
        while True:
            if self._monotonic() - started >= self._script.give_up_after_s:
                self._hangup("cancel", "the caller gives up")
                return
            script = self._script
            decision = self._client.route(self.call_id, _id(), script.from_number, script.to_number, round_,
                                          script.test)
            action = decision["action"]
            if action == "announce":
                self._say(f"{self.call_id}: route round {round_} → announce {decision['announcement']} "
                          f"({decision['language']}): {decision['text']}")
                self._hangup("normalClearing", "the caller heard the announcement")
                return
            if action == "wait":
                self._say(f"{self.call_id}: route round {round_} → wait {decision['retry_after_s']} s")
                self._sleep(float(decision["retry_after_s"]))
                continue
            if self._ring(decision, round_):
                return
            round_ += 1

    def _ring(self, decision: dict[str, Any], round_: int) -> bool:
        """Ring the targets; return True once the call was answered and hung up."""
        targets = decision["targets"]
        shown = ", ".join(f"{t['agent']} <{t['uri']}>" for t in targets)
        self._say(f"{self.call_id}: route round {round_} → ring {shown} for {decision['timeout_s']} s")
        for target in targets:
            self._event("ringing", agent=target["agent"])
        answer_after = self._script.answer_after_s
        if answer_after is None or answer_after >= decision["timeout_s"]:
            self._sleep(float(decision["timeout_s"]))
            self._say(f"{self.call_id}: nobody answered round {round_}")
            return False
        self._sleep(answer_after)
        self._event("answer", agent=targets[0]["agent"])
        self._sleep(self._script.duration_s)
        self._hangup("normalClearing", "the call is over")
        return True

    def _hangup(self, cause: str, why: str) -> None:
        answer = self._event("hangup", cause=cause)
        self.outcome = answer.get("outcome")
        self._say(f"{self.call_id}: {why}; outcome {self.outcome}")

    def _event(self, kind: str, **fields: Any) -> dict[str, Any]:
        body = {"event_id": _id(), "event": kind, "call_id": self.call_id, **fields}
        if self._script.test:
            body["test"] = True
        answer = self._client.event(body)
        detail = f" by {fields['agent']}" if "agent" in fields else ""
        self._say(f"{self.call_id}: {kind}{detail} → {answer.get('status')}"
                  + (f" (answered by agent {answer['answered_by']})" if kind == "answer" else ""))
        return answer


def _id() -> str:
    return uuid.uuid4().hex
