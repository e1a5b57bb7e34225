"""Twilio's form parameters, checked against webhooks/schemas/twilio-*.json, become domain values here.

Each request also gets a key for deduplication: the provider's ``I-Twilio-Idempotency-Token`` when it
sends one, else the exact repetition of the callback (endpoint with its query, CallSid, DialCallSid,
status, RecordingSid) — never the CallSid alone, since the wait loop's redirects and each round's
dial-action are distinct requests of one call (our TwiML numbers them in the query).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from callcenter.domain.call_events import CallEvent, CallEventKind, RouteRequest
from callcenter.domain.errors import InvalidInput
from callcenter.domain.provider_recordings import ProviderRecording
from webhooks.cti_payloads import validate
from webhooks.twiml import MAX_DIAL_NOUNS

PROVIDER = "twilio"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
MAX_ROUND = 1000
MAX_WAIT_STEPS = 100_000
NEXT_ROUND = frozenset({"no-answer", "busy", "failed"})  # DialCallStatus: ring the next round
CAUSES = {"completed": "normalClearing", "answered": "normalClearing", "busy": "busy",
          "no-answer": "noAnswer", "canceled": "cancel", "failed": "failed"}
NOT_YET = frozenset({"queued", "initiated"})
NEW = NOT_YET | {"ringing"}
Form = Mapping[str, str]


@dataclass(frozen=True)
class LegChange:
    """An agent's leg changed (ringing, answered, ended) in ring round ``round``."""

    event: CallEvent
    agent_id: int
    round: int


def request_key(endpoint: str, form: Form, idempotency_token: str | None) -> str:
    """Name a request so that its retries are recognised (see the module docstring)."""
    if idempotency_token:
        material = f"token\n{idempotency_token}"
    else:
        status = form.get("CallStatus", ""), form.get("DialCallStatus", ""), form.get("RecordingStatus", "")
        material = "\n".join((endpoint, form.get("CallSid", ""), form.get("DialCallSid", ""), *status,
                              form.get("RecordingSid", "")))
    return f"{PROVIDER}-{hashlib.sha256(material.encode('utf-8')).hexdigest()[:40]}"


def incoming(form: Form, query: Form, key: str) -> RouteRequest:
    """Read an incoming call (or our wait loop's redirect) as a route request of its round."""
    data = validate("twilio-voice", dict(form))
    round_ = query_int(query, "round", 1, MAX_ROUND, default=1)
    return RouteRequest(data["CallSid"], key, data["From"], data["To"], round_, max_targets=MAX_DIAL_NOUNS)


def wait_step(query: Form) -> int:
    """Return the step of the wait loop this request is (0: not a redirect of ours)."""
    return query_int(query, "wait", 0, MAX_WAIT_STEPS, default=0)


def dial_outcome(form: Form, query: Form, key: str) -> RouteRequest | CallEvent:
    """Read how a ring round ended: the next round's route request, or the end of the call."""
    data = validate("twilio-dial-action", dict(form))
    status = data["DialCallStatus"]
    round_ = query_int(query, "round", 1, MAX_ROUND - 1)
    if status in NEXT_ROUND:
        return RouteRequest(data["CallSid"], key, data["From"], data["To"], round_ + 1,
                            max_targets=MAX_DIAL_NOUNS)
    return CallEvent(key, CallEventKind.HANGUP, data["CallSid"], cause=CAUSES[status])


def status_change(form: Form, query: Form, key: str) -> CallEvent | LegChange | None:
    """Read a status callback: of the caller's call, of an agent's leg, or of nothing we act on (None)."""
    data = validate("twilio-status", dict(form))
    status, at = data["CallStatus"], _timestamp(data.get("Timestamp"))
    if "ParentCallSid" in data:
        return _leg_change(data["ParentCallSid"], status, query, key, at)
    if status in NEW:
        if "From" not in data or "To" not in data:
            raise InvalidInput("A new call needs From and To.", {"From": "required", "To": "required"})
        return CallEvent(key, CallEventKind.NEW_CALL, data["CallSid"], data["From"], data["To"], at=at)
    if status == "in-progress":  # the provider answered (to play the ringing tone): not an agent's answer
        return None
    return CallEvent(key, CallEventKind.HANGUP, data["CallSid"], cause=CAUSES[status], at=at)


def recording(form: Form) -> ProviderRecording:
    """Read a recording status callback."""
    data = validate("twilio-recording", dict(form))
    duration = int(data["RecordingDuration"]) if "RecordingDuration" in data else None
    channels = int(data["RecordingChannels"]) if "RecordingChannels" in data else None
    return ProviderRecording(data["CallSid"], PROVIDER, data["RecordingSid"],
                             data.get("RecordingStatus", "completed"), data.get("RecordingUrl"),
                             duration if duration is None or duration >= 0 else None, channels)


def query_int(query: Form, name: str, low: int, high: int, *, default: int | None = None) -> int:
    """Return the whole number our own TwiML put in the query, or raise InvalidInput."""
    text = query.get(name)
    if text is None and default is not None:
        return default
    if text is None or not text.isdigit() or not low <= int(text) <= high:
        raise InvalidInput(f"The query parameter {name} is a whole number from {low} to {high}.",
                           {name: f"{low}..{high}"})
    return int(text)


def _leg_change(call_id: str, status: str, query: Form, key: str, at: datetime | None) -> LegChange | None:
    agent_id = query_int(query, "agent", 1, 2**31 - 1)
    round_ = query_int(query, "round", 1, MAX_ROUND)
    if status in NOT_YET:
        return None
    if status == "ringing":
        kind, cause = CallEventKind.RINGING, None
    elif status == "in-progress":
        kind, cause = CallEventKind.ANSWER, None
    else:
        kind, cause = CallEventKind.HANGUP, CAUSES[status]
    return LegChange(CallEvent(key, kind, call_id, cause=cause, at=at), agent_id, round_)


def _timestamp(text: str | None) -> datetime | None:
    """Read the RFC 2822 time of a callback; None when absent or unreadable (we use our clock then)."""
    if not text:
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return value if value.tzinfo is not None else None
