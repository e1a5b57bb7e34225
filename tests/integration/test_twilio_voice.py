"""Whole calls through the Twilio voice webhooks on SQLite and PostgreSQL with real Redis.

Every TwiML answer is parsed and compared with what twilio's VoiceResponse builds for the same decision;
the call record, its legs, presence and the screen-pops are those the CTI API would have produced.
"""

from __future__ import annotations

import io
import wave
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from callcenter.bootstrap import Services, build_services
from callcenter.domain.announcements import busy_text, closed_text
from callcenter.live.streams import agent_stream
from callcenter.services.clock import FixedClock
from tests.integration.routing_support import DUTCH_NUMBER, T0, add_agent, count
from tests.integration.twilio_support import TOKEN, Provider, office_services, set_ring_via, twiml_of  # noqa: F401
from tests.twiml_reference import ring_reference, same_twiml, say_reference, wait_reference

pytestmark = pytest.mark.redis


def later(services: Services, seconds: float) -> None:
    services.clock.set(services.clock.now() + timedelta(seconds=seconds))


def legs(services: Services, call_id: str = "CA1") -> list[tuple[int, int, str]]:
    found = services.call_lifecycle.record(call_id)["legs"]
    return [(leg["agent_id"], leg["round"], leg["outcome"]) for leg in found]


def test_a_call_rings_a_round_unanswered_then_a_second_one_answered_then_ends(office: Services) -> None:
    provider = Provider(office)
    marie, jan = add_agent(office, "marie"), add_agent(office, "jan")
    set_ring_via(office, "marie", "client")
    both = [("client", marie, "marie"), ("sip", jan, "sip:jan@pbx.test")]
    assert same_twiml(twiml_of(provider.call()), ring_reference(both, 1, 20))
    assert [office.live.kinds(a).count("screen_pop") for a in (marie, jan)] == [1, 1]
    provider.leg("ringing", marie, 1), provider.leg("ringing", jan, 1)
    assert [office.live.kinds(a).count("screen_pop") for a in (marie, jan)] == [1, 1]  # popped once a round
    later(office, 20)
    provider.leg("no-answer", marie, 1)
    assert office.presence.get(marie).status == "available"
    assert same_twiml(twiml_of(provider.dial_action("no-answer", 1)), ring_reference(both, 2, 20))
    provider.leg("no-answer", jan, 1)  # late news of round 1: jan rings in round 2 and stays so
    assert (office.presence.get(marie).status, office.presence.get(jan).status) == ("ringing", "ringing")
    later(office, 4)
    twiml_of(provider.leg("in-progress", jan, 2))
    assert (office.presence.get(jan).status, office.presence.get(marie).status) == ("on_call", "available")
    later(office, 60)
    provider.leg("completed", jan, 2)
    assert [e.tag for e in twiml_of(provider.dial_action("completed", 2))] == ["Hangup"]
    twiml_of(provider.call_status("completed"))
    call = office.call_lifecycle.record("CA1")
    assert (call["agent_id"], call["outcome"], call["hangup_cause"]) == (jan, "answered", "normalClearing")
    assert legs(office) == [(marie, 1, "no_answer"), (jan, 1, "no_answer"), (marie, 2, "rang"),
                            (jan, 2, "answered")]
    assert [office.live.kinds(a).count("screen_pop") for a in (marie, jan)] == [2, 2]
    assert "call_answered" in office.live.kinds(marie) and "call_ended" in office.live.kinds(jan)
    assert office.presence.get(jan).status == "wrap_up"


def test_the_screen_pop_lands_in_the_agents_live_stream(make_settings, database_url: str,  # type: ignore[no-untyped-def]
                                                        redis_url: str) -> None:
    settings = make_settings(database_url=database_url, redis_url=redis_url, twilio_auth_token=TOKEN)
    services = build_services(settings, clock=FixedClock(T0))  # the real Redis stream publisher
    try:
        marie = add_agent(services, "marie")
        twiml_of(Provider(services).call("CA7"))
        entries = services.redis.xrange(agent_stream(marie))
        pops = [fields for _, fields in entries if fields[b"kind"] == b"screen_pop"]
        assert len(pops) == 1 and b'"call_id":"CA7"' in pops[0][b"data"]
    finally:
        services.close()


def test_while_nobody_is_free_the_caller_hears_ringing_and_we_are_asked_again(office: Services) -> None:
    provider = Provider(office)
    assert same_twiml(twiml_of(provider.call()), wait_reference(1, 1))
    tone = provider.web.get("/media/ringback.wav")
    assert tone.status_code == 200 and tone.mimetype == "audio/wav"
    with wave.open(io.BytesIO(tone.get_data())) as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getnframes()) == (8000, 1, 32000)
    later(office, 4)
    assert same_twiml(twiml_of(provider.call(query={"round": 1, "wait": 1})), wait_reference(1, 2))
    assert office.call_lifecycle.waiting()[0]["call_id"] == "CA1"
    marie = add_agent(office, "marie")
    later(office, 4)
    ringing = twiml_of(provider.call(query={"round": 1, "wait": 2}))
    assert same_twiml(ringing, ring_reference([("sip", marie, "sip:marie@pbx.test")], 1, 20))
    assert count(office, "cti_requests", "kind = 'route'") == 3  # each redirect is a request of its own


def test_outside_opening_hours_the_caller_hears_closed_in_their_language(office: Services) -> None:
    provider = Provider(office)
    office.clock.set(T0.replace(hour=19))  # 20:00 in Brussels
    next_open = datetime(2026, 11, 27, 8, 30, tzinfo=ZoneInfo("Europe/Brussels"))
    text = closed_text("fr", next_open, office.settings.write_address)
    assert same_twiml(twiml_of(provider.call()), say_reference(text, "fr-FR"))
    twiml_of(provider.call_status("completed"))
    call = office.call_lifecycle.record("CA1")
    assert (call["out_of_hours"], call["outcome"], call["announced"]) == (True, "out_of_hours", "closed")
    text_nl = closed_text("nl", next_open, office.settings.write_address)
    assert same_twiml(twiml_of(provider.call("CA2", to=DUTCH_NUMBER)), say_reference(text_nl, "nl-BE"))


def test_a_recorded_announcement_is_played_instead_of_spoken(office: Services) -> None:
    folder = office.settings.data_dir / "announcements"
    folder.mkdir(parents=True)
    (folder / "closed-nl.wav").write_bytes(_silence())
    office.clock.set(T0.replace(hour=19))
    answer = twiml_of(Provider(office).call(to=DUTCH_NUMBER))
    assert [(e.tag, (e.text or "").strip()) for e in answer] == [
        ("Play", "http://localhost/media/announcements/closed-nl.wav"), ("Hangup", "")]
    played = Provider(office).web.get("/media/announcements/closed-nl.wav")
    assert played.status_code == 200 and played.get_data() == _silence()
    assert Provider(office).web.get("/media/announcements/closed-xx.wav").status_code == 404


def test_after_the_maximum_wait_the_caller_hears_busy_and_gets_a_callback(office: Services) -> None:
    provider = Provider(office)
    twiml_of(provider.call())
    later(office, 120)
    text = busy_text("fr", office.settings.write_address, True)
    assert same_twiml(twiml_of(provider.call(query={"round": 1, "wait": 30})), say_reference(text, "fr-FR"))
    twiml_of(provider.call_status("completed"))
    call = office.call_lifecycle.record("CA1")
    assert (call["outcome"], call["announced"]) == ("busy", "busy") and call["question"]
    assert office.questions.get(call["question"]).channel == "phone"


def _silence() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1), audio.setsampwidth(2), audio.setframerate(8000)
        audio.writeframes(b"\0\0" * 800)
    return out.getvalue()
