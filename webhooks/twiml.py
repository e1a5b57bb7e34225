"""TwiML for the decisions of the call lifecycle, built with ElementTree (always well-formed XML).

- ring: ``<Dial answerOnBridge timeout action ringTone>`` with one ``<Client>`` (browser softphone) or
  ``<Sip>`` (SIP phone) per agent, at most ten (providers refuse more nouns), each reporting its leg
  to /webhooks/twilio/status; dual-channel recording from answer when asked for;
- wait: ``<Play>`` of the ringing tone, then ``<Redirect>`` back to /webhooks/twilio/voice;
- announce: ``<Play>`` of the recorded announcement, else ``<Say>`` in the caller's language; ``<Hangup/>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

MAX_DIAL_NOUNS = 10
RING_TONE = "be"  # the provider's ringback while a Dial rings: the Belgian tone, as our own ringback
SAY_LANGUAGES = {"fr": "fr-FR", "nl": "nl-BE", "de": "de-DE", "en": "en-GB"}
LEG_EVENTS = "initiated ringing answered completed"
VOICE_PATH = "/webhooks/twilio/voice"
DIAL_ACTION_PATH = "/webhooks/twilio/dial-action"
STATUS_PATH = "/webhooks/twilio/status"
RECORDING_PATH = "/webhooks/twilio/recording"
CONTENT_TYPE = "text/xml; charset=utf-8"


class Links:
    """Absolute URLs of our webhooks and media, under the base URL the provider reaches us at."""

    def __init__(self, base: str) -> None:
        self._base = base.rstrip("/")

    def url(self, path: str, **query: Any) -> str:
        return self._base + path + (f"?{urlencode(query)}" if query else "")


def ring(decision: Mapping[str, Any], links: Links, *, record: bool) -> bytes:
    """Ring the decision's targets (the first ten, in routing order) for its timeout."""
    round_ = int(decision["round"])
    dial = ET.Element("Dial", {"answerOnBridge": "true", "timeout": str(decision["timeout_s"]),
                               "action": links.url(DIAL_ACTION_PATH, round=round_), "method": "POST",
                               "ringTone": RING_TONE})
    if record:
        dial.set("record", "record-from-answer-dual")
        dial.set("recordingStatusCallback", links.url(RECORDING_PATH))
        dial.set("recordingStatusCallbackMethod", "POST")
    for target in list(decision["targets"])[:MAX_DIAL_NOUNS]:
        client = target["ring_via"] == "client"
        noun = ET.SubElement(dial, "Client" if client else "Sip", {
            "statusCallbackEvent": LEG_EVENTS, "statusCallbackMethod": "POST",
            "statusCallback": links.url(STATUS_PATH, agent=target["agent_id"], round=round_)})
        noun.text = str(target["agent"] if client else target["uri"])
    return _render(_response(dial))


def wait(retry_after_s: int, links: Links, tone_url: str, *, round_: int, seq: int,
         cycle_s: float) -> bytes:
    """Play the ringing tone for about ``retry_after_s`` (whole cycles), then ask us again."""
    play = ET.Element("Play", {"loop": str(max(1, round(retry_after_s / cycle_s)))})
    play.text = tone_url
    redirect = ET.Element("Redirect", {"method": "POST"})
    redirect.text = links.url(VOICE_PATH, round=round_, wait=seq)
    return _render(_response(play, redirect))


def announce(decision: Mapping[str, Any], media_url: str | None) -> bytes:
    """Play the recorded announcement (or say its text in the caller's language), then hang up."""
    if media_url:
        spoken = ET.Element("Play")
        spoken.text = media_url
    else:
        spoken = ET.Element("Say", {"language": SAY_LANGUAGES.get(decision["language"], "en-GB")})
        spoken.text = str(decision["text"])
    return _render(_response(spoken, ET.Element("Hangup")))


def hangup() -> bytes:
    return _render(_response(ET.Element("Hangup")))


def empty() -> bytes:
    """Return the answer to a callback that only informs us (the provider ignores it)."""
    return _render(_response())


def _response(*children: ET.Element) -> ET.Element:
    root = ET.Element("Response")
    root.extend(children)
    return root


def _render(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
