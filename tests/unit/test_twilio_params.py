"""Twilio's form parameters become route requests and call events; each request gets its dedup key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callcenter.domain.call_events import CallEventKind, RouteRequest
from callcenter.domain.errors import InvalidInput
from webhooks import twilio_params as tp

CALL = {"CallSid": "CA1", "From": "+32471123456", "To": "+3225088586"}


def key(endpoint: str, token: str | None = None, **form: str) -> str:
    return tp.request_key(endpoint, {**CALL, **form}, token)


def test_a_retry_has_the_key_of_its_original_and_other_requests_of_the_call_do_not() -> None:
    voice = key("/webhooks/twilio/voice", CallStatus="ringing")
    assert voice == key("/webhooks/twilio/voice", CallStatus="ringing")
    assert len({voice, key("/webhooks/twilio/voice?round=1&wait=1", CallStatus="in-progress"),
                key("/webhooks/twilio/voice?round=1&wait=2", CallStatus="in-progress"),
                key("/webhooks/twilio/dial-action?round=1", DialCallStatus="no-answer", DialCallSid="D1"),
                key("/webhooks/twilio/dial-action?round=2", DialCallStatus="no-answer", DialCallSid="D2"),
                key("/webhooks/twilio/status", CallStatus="completed"),
                key("/webhooks/twilio/recording", RecordingSid="RE1"),
                key("/webhooks/twilio/recording", RecordingSid="RE2")}) == 8
    # The provider's idempotency token names the request whatever else it carries.
    assert key("/webhooks/twilio/voice", "tok") == key("/webhooks/twilio/status", "tok", CallStatus="x")
    assert key("/webhooks/twilio/voice", "tok") != key("/webhooks/twilio/voice", "tok2")
    assert voice.startswith("twilio-") and len(voice) <= 100


def test_an_incoming_call_is_a_route_request_of_its_round_capped_at_ten_agents() -> None:
    first = tp.incoming({**CALL, "CallerCountry": "BE"}, {}, "k1")
    assert first == RouteRequest("CA1", "k1", "+32471123456", "+3225088586", 1, max_targets=10)
    assert tp.incoming(CALL, {"round": "3", "wait": "7"}, "k2").round == 3
    assert tp.wait_step({"round": "3", "wait": "7"}) == 7 and tp.wait_step({}) == 0


@pytest.mark.parametrize(("status", "kind", "cause"), [
    ("no-answer", None, None), ("busy", None, None), ("failed", None, None),
    ("completed", CallEventKind.HANGUP, "normalClearing"),
    ("answered", CallEventKind.HANGUP, "normalClearing"),
    ("canceled", CallEventKind.HANGUP, "cancel"),
])
def test_a_dial_action_is_the_next_round_or_the_end_of_the_call(status: str, kind: CallEventKind | None,
                                                                cause: str | None) -> None:
    step = tp.dial_outcome({**CALL, "DialCallStatus": status}, {"round": "2"}, "k")
    if kind is None:
        assert isinstance(step, RouteRequest) and (step.round, step.max_targets) == (3, 10)
    else:
        assert not isinstance(step, RouteRequest)
        assert (step.kind, step.cause, step.call_id) == (kind, cause, "CA1")


@pytest.mark.parametrize(("status", "expected"), [
    ("initiated", None), ("ringing", (CallEventKind.RINGING, None)),
    ("in-progress", (CallEventKind.ANSWER, None)), ("completed", (CallEventKind.HANGUP, "normalClearing")),
    ("busy", (CallEventKind.HANGUP, "busy")), ("no-answer", (CallEventKind.HANGUP, "noAnswer")),
    ("canceled", (CallEventKind.HANGUP, "cancel")), ("failed", (CallEventKind.HANGUP, "failed")),
])
def test_a_legs_status_is_an_event_of_the_parent_call_for_that_agent(
        status: str, expected: tuple[CallEventKind, str | None] | None) -> None:
    form = {"CallSid": "CA1-leg", "ParentCallSid": "CA1", "CallStatus": status,
            "Timestamp": "Thu, 26 Nov 2026 09:00:20 +0000"}
    change = tp.status_change(form, {"agent": "7", "round": "2"}, "k")
    if expected is None:
        assert change is None
        return
    assert isinstance(change, tp.LegChange) and (change.agent_id, change.round) == (7, 2)
    event = change.event
    assert (event.kind, event.cause, event.call_id, event.agent) == (*expected, "CA1", None)
    assert event.at == datetime(2026, 11, 26, 9, 0, 20, tzinfo=UTC)


@pytest.mark.parametrize(("status", "expected"), [
    ("ringing", CallEventKind.NEW_CALL), ("in-progress", None), ("completed", CallEventKind.HANGUP),
    ("no-answer", CallEventKind.HANGUP),
])
def test_the_calls_own_status_is_its_start_or_its_end(status: str, expected: CallEventKind | None) -> None:
    change = tp.status_change({**CALL, "CallStatus": status, "Timestamp": "not a date"}, {}, "k")
    assert (change.kind if change is not None else None) == expected
    assert change is None or (change.at is None and not isinstance(change, tp.LegChange))


def test_recordings_keep_url_sid_duration_and_channels() -> None:
    form = {"CallSid": "CA1", "RecordingSid": "RE1", "RecordingUrl": "https://api.twilio.com/RE1",
            "RecordingDuration": "42", "RecordingChannels": "2", "RecordingStatus": "completed"}
    rec = tp.recording(form)
    assert (rec.call_id, rec.recording_sid, rec.url, rec.duration_s, rec.channels) == (
        "CA1", "RE1", "https://api.twilio.com/RE1", 42, 2)
    failed = tp.recording({"CallSid": "CA1", "RecordingSid": "RE2", "RecordingStatus": "failed",
                           "RecordingDuration": "-1"})
    assert (failed.status, failed.url, failed.duration_s) == ("failed", None, None)


@pytest.mark.parametrize("query", [{"round": "0"}, {"round": "x"}, {"round": "1001"}, {"round": "-1"}])
def test_our_own_query_parameters_are_checked(query: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        tp.incoming(CALL, query, "k")
    assert "round" in caught.value.fields
