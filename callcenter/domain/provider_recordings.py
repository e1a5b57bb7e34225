"""A recording a cloud telephony provider made of a call: where to fetch it, its length and channels.

The provider reports it once the recording is ready (or failed); the recordings pipeline of a later issue
downloads it from ``url``. A dual-channel recording keeps the caller and the agent on separate channels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from callcenter.domain.errors import InvalidInput
from callcenter.domain.validation import Problems, required_text

STATUSES = frozenset({"in-progress", "completed", "absent", "failed"})
ID_MAX = 100
URL_MAX = 500
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")


@dataclass(frozen=True)
class ProviderRecording:
    call_id: str
    provider: str  # "twilio"
    recording_sid: str  # the provider's id of the recording
    status: str  # one of STATUSES
    url: str | None  # None until the recording is completed
    duration_s: int | None = None
    channels: int | None = None


def clean_recording(rec: ProviderRecording) -> ProviderRecording:
    """Check a reported recording and raise one InvalidInput naming every bad field."""
    problems = Problems()
    call_id = problems.check(required_text, rec.call_id, "call_id", max_length=ID_MAX)
    sid = problems.check(required_text, rec.recording_sid, "recording_sid", max_length=ID_MAX)
    if rec.status not in STATUSES:
        problems.add("status", ", ".join(sorted(STATUSES)))
    url = problems.check(_url, rec.url, rec.status)
    duration = problems.check(_count, rec.duration_s, "duration_s", 0, 24 * 3600)
    channels = problems.check(_count, rec.channels, "channels", 1, 2)
    problems.raise_if_any("recording")
    assert call_id and sid
    return ProviderRecording(call_id, rec.provider, sid, rec.status, url, duration, channels)


def _url(value: str | None, status: str) -> str | None:
    if not value:
        if status == "completed":
            raise InvalidInput("A completed recording needs its URL.", {"url": "required"})
        return None
    if len(value) > URL_MAX or not _URL.match(value):
        raise InvalidInput(f"{value[:80]!r} is not an http(s) URL.", {"url": "an http(s) URL"})
    return value


def _count(value: int | None, field: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"The {field} is a whole number from {low} to {high}.", {field: f"{low}..{high}"})
    return value
