"""What twilio's VoiceResponse builds for our decisions: the reference our TwiML is compared with."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from twilio.twiml.voice_response import Dial, VoiceResponse

BASE = "http://localhost"
LEG_EVENTS = "initiated ringing answered completed"


def parsed(reference: VoiceResponse) -> ET.Element:
    return ET.fromstring(str(reference).encode("utf-8"))


def same_twiml(ours: ET.Element, reference: VoiceResponse) -> bool:
    """Tell whether our TwiML is what twilio's VoiceResponse builds (tags, attributes, text, order)."""
    return _shape(ours) == _shape(parsed(reference))


def _shape(element: ET.Element) -> tuple[Any, ...]:
    return (element.tag, dict(element.attrib), (element.text or "").strip(),
            tuple(_shape(child) for child in element))


def ring_reference(targets: list[tuple[str, int, str]], round_: int, timeout_s: int, *,
                   record: bool = False) -> VoiceResponse:
    """Build with VoiceResponse the Dial we expect: targets are (client | sip, agent id, identity or URI)."""
    extra = {"record": "record-from-answer-dual", "recording_status_callback_method": "POST",
             "recording_status_callback": f"{BASE}/webhooks/twilio/recording"} if record else {}
    action = f"{BASE}/webhooks/twilio/dial-action?round={round_}"
    dial = Dial(answer_on_bridge=True, timeout=timeout_s, action=action, method="POST", ring_tone="be",
                **extra)
    for via, agent_id, address in targets:
        noun = dial.client if via == "client" else dial.sip
        noun(address, status_callback_event=LEG_EVENTS, status_callback_method="POST",
             status_callback=f"{BASE}/webhooks/twilio/status?agent={agent_id}&round={round_}")
    response = VoiceResponse()
    response.append(dial)
    return response


def wait_reference(round_: int, step: int, loops: int = 1) -> VoiceResponse:
    response = VoiceResponse()
    response.play(f"{BASE}/media/ringback.wav", loop=loops)
    response.redirect(f"{BASE}/webhooks/twilio/voice?round={round_}&wait={step}", method="POST")
    return response


def say_reference(text: str, language: str) -> VoiceResponse:
    response = VoiceResponse()
    response.say(text, language=language)
    response.hangup()
    return response
