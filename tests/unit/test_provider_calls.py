"""services.provider_calls with hand-written fakes: late legs of an earlier round, agents, recordings once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import pytest

from callcenter.domain.agents import AgentProfile, RingVia
from callcenter.domain.call_events import CallEvent, CallEventKind
from callcenter.domain.call_records import CallRecord
from callcenter.domain.calls import Direction
from callcenter.domain.errors import InvalidInput
from callcenter.domain.provider_recordings import ProviderRecording
from callcenter.services.clock import FixedClock
from callcenter.services.provider_calls import ProviderCalls
from callcenter.services.routing_ports import Claim

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
MARIE = AgentProfile(7, "marie", "Marie", "sip:101@pbx.test", ("fr",), (), RingVia.CLIENT)


class FakeCallRecords:
    def __init__(self) -> None:
        self.rows: dict[str, CallRecord] = {}

    def get(self, call_id: str, *, for_update: bool = False) -> CallRecord | None:
        return self.rows.get(call_id)


class FakeRequests:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict[str, Any] | None] = {}

    def claim(self, kind: str, key: str, at: datetime) -> Claim:
        if (kind, key) in self.rows:
            return Claim(False, self.rows[(kind, key)], at)
        self.rows[(kind, key)] = None
        return Claim(True)

    def answer(self, kind: str, key: str, response: dict[str, Any]) -> None:
        self.rows[(kind, key)] = response


class FakeRecordings:
    def __init__(self) -> None:
        self.saved: list[ProviderRecording] = []

    def save(self, recording: ProviderRecording, at: datetime) -> None:
        self.saved = [r for r in self.saved if r.recording_sid != recording.recording_sid] + [recording]

    def of_call(self, call_id: str) -> list[ProviderRecording]:
        return [r for r in self.saved if r.call_id == call_id]


class FakeUow:
    def __init__(self) -> None:
        self.call_records, self.cti_requests = FakeCallRecords(), FakeRequests()
        self.provider_recordings = FakeRecordings()
        self.commits = 0
        self._committed: dict[tuple[str, str], dict[str, Any] | None] = {}

    def __enter__(self) -> FakeUow:
        self._committed = dict(self.cti_requests.rows)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.cti_requests.rows = self._committed  # what was not committed is gone

    def commit(self) -> None:
        self.commits += 1
        self._committed = dict(self.cti_requests.rows)

    def rollback(self) -> None:
        self.cti_requests.rows = dict(self._committed)


class FakeLifecycle:
    def __init__(self) -> None:
        self.events: list[CallEvent] = []

    def handle_event(self, event: CallEvent) -> dict[str, Any]:
        self.events.append(event)
        return {"status": "processed", "event": event.kind.value, "call_id": event.call_id}


class FakeAgents:
    def directory(self) -> dict[int, AgentProfile]:
        return {MARIE.user_id: MARIE}


@pytest.fixture
def world() -> tuple[ProviderCalls, FakeUow, FakeLifecycle]:
    uow, lifecycle = FakeUow(), FakeLifecycle()
    record = CallRecord("CA1", "+32471123456", "+3225088586", Direction.INBOUND, NOW, round=2)
    uow.call_records.rows["CA1"] = record
    return ProviderCalls(lambda: uow, FixedClock(NOW), lifecycle, FakeAgents()), uow, lifecycle  # type: ignore[arg-type]


def leg(kind: CallEventKind, cause: str | None = None) -> CallEvent:
    return CallEvent("k", kind, "CA1", cause=cause)


def test_leg_events_name_the_agent_by_username(world: Any) -> None:
    calls, _, lifecycle = world
    assert calls.leg_event(leg(CallEventKind.RINGING), 7, 2)["status"] == "processed"
    assert lifecycle.events[0].agent == "marie"  # never the bare id: "101" could be someone's extension


def test_late_news_of_an_earlier_round_is_ignored_but_an_answer_never_is(world: Any) -> None:
    calls, uow, lifecycle = world
    for kind in (CallEventKind.RINGING, CallEventKind.HANGUP):
        assert calls.leg_event(leg(kind, "noAnswer"), 7, 1)["status"] == "ignored"
    assert calls.leg_event(leg(CallEventKind.ANSWER), 7, 1)["status"] == "processed"
    uow.call_records.rows["CA1"] = replace(uow.call_records.rows["CA1"], agent_user_id=7)
    assert calls.leg_event(leg(CallEventKind.HANGUP, "normalClearing"), 7, 1)["status"] == "processed"
    assert [e.kind for e in lifecycle.events] == [CallEventKind.ANSWER, CallEventKind.HANGUP]


def test_legs_of_unknown_agents_are_ignored(world: Any) -> None:
    calls, _, lifecycle = world
    assert "no active agent" in calls.leg_event(leg(CallEventKind.RINGING), 99, 2)["reason"]
    assert lifecycle.events == []


def test_a_recording_is_kept_once_per_request_key(world: Any) -> None:
    calls, uow, _ = world
    rec = ProviderRecording("CA1", "twilio", "RE1", "completed", "https://api.twilio.com/RE1", 42, 2)
    first = calls.store_recording("key-1", rec)
    assert calls.store_recording("key-1", replace(rec, duration_s=1)) == first
    assert uow.commits == 1 and uow.provider_recordings.saved == [rec]
    assert calls.recordings("CA1")[0]["duration_s"] == 42


@pytest.mark.parametrize("bad", [
    {"url": None}, {"url": "ftp://x/y"}, {"channels": 3}, {"duration_s": -1}, {"status": "done"},
    {"recording_sid": " "},
])
def test_a_bad_recording_report_is_refused_and_nothing_kept(world: Any, bad: dict[str, Any]) -> None:
    calls, uow, _ = world
    rec = ProviderRecording("CA1", "twilio", "RE1", "completed", "https://api.twilio.com/RE1", 42, 2)
    with pytest.raises(InvalidInput):
        calls.store_recording("key-2", replace(rec, **bad))
    assert uow.provider_recordings.saved == [] and uow.cti_requests.rows == {}
