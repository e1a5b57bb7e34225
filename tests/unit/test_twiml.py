"""Our TwiML, parsed, is what twilio's VoiceResponse builds for the same decision."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from twilio.twiml.voice_response import VoiceResponse

from tests.twiml_reference import BASE, ring_reference, same_twiml, say_reference, wait_reference
from webhooks import twiml
from webhooks.ringback import CYCLE_S

LINKS = twiml.Links(BASE + "/")


def target(agent_id: int, via: str = "sip") -> dict[str, object]:
    return {"agent": f"agent{agent_id}", "agent_id": agent_id, "uri": f"sip:{agent_id}@pbx.test",
            "ring_via": via}


def ring(*targets: dict[str, object], round_: int = 1, timeout_s: int = 20) -> dict[str, object]:
    return {"action": "ring", "targets": list(targets), "timeout_s": timeout_s, "round": round_,
            "language": "fr"}


def test_ring_dials_a_client_or_sip_noun_per_agent() -> None:
    ours = ET.fromstring(twiml.ring(ring(target(1, "client"), target(2), round_=3, timeout_s=17), LINKS,
                                    record=False))
    assert same_twiml(ours, ring_reference([("client", 1, "agent1"), ("sip", 2, "sip:2@pbx.test")], 3, 17))


def test_ring_asks_for_dual_channel_recording_when_calls_are_recorded() -> None:
    ours = ET.fromstring(twiml.ring(ring(target(1)), LINKS, record=True))
    assert same_twiml(ours, ring_reference([("sip", 1, "sip:1@pbx.test")], 1, 20, record=True))


def test_a_dial_holds_at_most_ten_nouns_in_routing_order() -> None:
    ours = ET.fromstring(twiml.ring(ring(*(target(n) for n in range(1, 13))), LINKS, record=False))
    dial = ours.find("Dial")
    assert dial is not None and [noun.text for noun in dial] == [f"sip:{n}@pbx.test" for n in range(1, 11)]


def test_wait_plays_the_ringing_tone_in_whole_cycles_then_redirects() -> None:
    def waited(retry_after_s: int) -> ET.Element:
        return ET.fromstring(twiml.wait(retry_after_s, LINKS, f"{BASE}/media/ringback.wav", round_=2, seq=5,
                                        cycle_s=CYCLE_S))

    assert same_twiml(waited(2), wait_reference(2, 5, loops=1))
    assert same_twiml(waited(8), wait_reference(2, 5, loops=2))


def test_announce_says_the_text_in_the_callers_language_or_plays_the_recording() -> None:
    text = "Onze dienst is gesloten. U kunt ons schrijven op vragen & antwoorden <info@mi-is.be>."
    decision = {"action": "announce", "announcement": "closed", "language": "nl", "text": text}
    assert same_twiml(ET.fromstring(twiml.announce(decision, None)), say_reference(text, "nl-BE"))
    played = VoiceResponse()
    played.play(f"{BASE}/media/announcements/closed-nl.wav")
    played.hangup()
    ours = twiml.announce(decision, f"{BASE}/media/announcements/closed-nl.wav")
    assert same_twiml(ET.fromstring(ours), played)


def test_hangup_and_empty_answers() -> None:
    hung = VoiceResponse()
    hung.hangup()
    assert same_twiml(ET.fromstring(twiml.hangup()), hung)
    assert same_twiml(ET.fromstring(twiml.empty()), VoiceResponse())
    assert twiml.hangup().startswith(b"<?xml")
