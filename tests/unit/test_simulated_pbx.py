"""simulate-call's PBX: the steps it takes for ring, wait, no answer and announcements (a fake CTI API)."""

from __future__ import annotations

from typing import Any

from webhooks.cti_client import CtiError
from webhooks.simulated_pbx import CallScript, SimulatedCall

MARIE = {"agent": "marie", "agent_id": 1, "uri": "sip:marie@pbx", "ring_via": "sip"}
JAN = {"agent": "jan", "agent_id": 2, "uri": "sip:jan@pbx", "ring_via": "sip"}


class FakeCti:
    """Answers route requests from a script and records every request."""

    def __init__(self, *decisions: dict[str, Any]) -> None:
        self.decisions = list(decisions)
        self.sent: list[tuple[str, Any]] = []

    def route(self, call_id: str, request_id: str, from_number: str, to_number: str, round_: int = 1,
              test: bool = False) -> dict[str, Any]:
        self.sent.append(("route", round_))
        return self.decisions.pop(0)

    def event(self, event: dict[str, Any]) -> dict[str, Any]:
        self.sent.append((event["event"], event.get("agent") or event.get("cause")))
        if event["event"] == "hangup":
            return {"status": "processed", "outcome": "answered"}
        return {"status": "processed", "answered_by": 1}


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def play(cti: FakeCti, **script: Any) -> tuple[int, list[str], Sleeps]:
    lines: list[str] = []
    sleeps = Sleeps()
    call = SimulatedCall(cti, CallScript("+32471123456", "+3225088586", **script), lines.append,  # type: ignore[arg-type]
                         sleep=sleeps, monotonic=lambda: sum(sleeps), call_id="sim-1")
    return call.run(), lines, sleeps


def test_a_call_waits_rings_and_is_answered_by_the_first_target() -> None:
    cti = FakeCti({"action": "wait", "retry_after_s": 2},
                  {"action": "ring", "targets": [MARIE, JAN], "timeout_s": 20, "round": 1})
    code, lines, sleeps = play(cti, answer_after_s=3, duration_s=30)
    assert code == 0
    assert cti.sent == [("newCall", None), ("route", 1), ("route", 1), ("ringing", "marie"),
                        ("ringing", "jan"), ("answer", "marie"), ("hangup", "normalClearing")]
    assert list(sleeps) == [2.0, 3, 30]
    assert lines[2] == "sim-1: route round 1 → ring marie <sip:marie@pbx>, jan <sip:jan@pbx> for 20 s"
    assert lines[-1] == "sim-1: the call is over; outcome answered"


def test_without_an_answer_the_next_round_is_asked_for_until_the_announcement() -> None:
    cti = FakeCti({"action": "ring", "targets": [MARIE], "timeout_s": 20, "round": 1},
                  {"action": "announce", "announcement": "busy", "language": "nl",
                   "text": "Al onze medewerkers…"})
    code, lines, _ = play(cti, answer_after_s=None)
    assert code == 0 and ("route", 2) in cti.sent and cti.sent[-1] == ("hangup", "normalClearing")
    assert "sim-1: nobody answered round 1" in lines
    assert any("announce busy (nl): Al onze medewerkers…" in line for line in lines)


def test_a_caller_gives_up_after_waiting_too_long() -> None:
    cti = FakeCti(*[{"action": "wait", "retry_after_s": 5}] * 3)
    code, _, _ = play(cti, give_up_after_s=10)
    assert code == 0 and cti.sent[-1] == ("hangup", "cancel")


def test_a_refused_step_stops_the_call_with_exit_1() -> None:
    class Refusing(FakeCti):
        def event(self, event: dict[str, Any]) -> dict[str, Any]:
            raise CtiError("HTTP 401 bad-signature: The signature does not match the request body.")

    code, lines, _ = play(Refusing())
    assert code == 1 and lines == ["sim-1: stopped: HTTP 401 bad-signature: The signature does not match the "
                                   "request body."]
