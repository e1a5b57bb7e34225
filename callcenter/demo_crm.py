"""Demo CRM data for `callcenter up --demo`: topics, citizens, CPAS officers sharing a switchboard, questions.

Loaded through the services, like an agent would type it; loading twice adds nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from callcenter.services.calls import FinishedCall
from callcenter.services.contacts import ContactIn
from callcenter.services.questions import RegisterQuestion
from callcenter.services.topics import TopicIn

MARKER_TOPIC = "ris"  # its presence means the demo is loaded
SWITCHBOARD_NAMUR = "081 33 70 11"
OUR_NUMBER = "02 508 85 86"

TOPICS: list[tuple[str, tuple[str, str, str, str], str | None]] = [
    ("ris", ("Revenu d'intégration", "Leefloon", "Eingliederungseinkommen", "Integration income"), None),
    ("piis", ("Projet individualisé d'intégration sociale",
              "Geïndividualiseerd project voor maatschappelijke integratie",
              "Individualisiertes Projekt zur sozialen Eingliederung",
              "Individualised social integration project"), None),
    ("energie", ("Fonds gaz-électricité", "Gas- en elektriciteitsfonds", "Gas- und Stromfonds",
                 "Gas and electricity fund"), "https://www.mi-is.be/fr/faq"),
    ("aide-medicale", ("Aide médicale urgente", "Dringende medische hulp", "Dringende medizinische Hilfe",
                       "Urgent medical aid"), None),
    ("subsides", ("Subsides aux CPAS", "Subsidies aan OCMW's", "Zuschüsse an ÖSHZ", "Subsidies to PCSWs"),
     None),
]

CITIZENS: list[tuple[str, str, str, list[str]]] = [
    ("Anne Peeters", "nl", "anne.peeters@example.org", ["0471 12 34 56"]),
    ("Jean Dupont", "fr", "jean.dupont@example.org", ["02 511 22 33"]),
    ("Fatima El Amrani", "fr", "fatima.elamrani@example.org", ["0486 55 44 33"]),
    ("Klaus Weber", "de", "klaus.weber@example.org", ["087 59 12 34"]),
]


def load_demo_crm(services: Any) -> list[str]:
    """Create the demo CRM data and return one line per thing created (nothing when already loaded)."""
    if any(t.code == MARKER_TOPIC for t in services.topics.list()):
        return []
    done = [_topics(services)]
    people = _citizens(services)
    officers = _officers(services)
    done.append(f"{len(people)} citizens, {len(officers)} CPAS officers sharing {SWITCHBOARD_NAMUR}")
    done.extend(_questions(services, people, officers))
    done.append(_calls(services, people, officers))
    return done


def _topics(services: Any) -> str:
    for code, (fr, nl, de, en), faq in TOPICS:
        services.topics.create(TopicIn(code, {"fr": fr, "nl": nl, "de": de, "en": en}, faq_reference=faq))
    return f"{len(TOPICS)} topics"


def _citizens(services: Any) -> dict[str, int]:
    return {name: services.contacts.create(ContactIn(name, phones, email, lang)).id
            for name, lang, email, phones in CITIZENS}


def _officers(services: Any) -> dict[str, int]:
    namur = services.contacts.create_organisation("CPAS de Namur", SWITCHBOARD_NAMUR)
    services.contacts.create_organisation("OCMW Gent", "09 266 99 00")
    luc = ContactIn("Luc Dubois", [SWITCHBOARD_NAMUR], "luc.dubois@example.org", "fr", namur.id)
    sophie = ContactIn("Sophie Lambert", [SWITCHBOARD_NAMUR, "081 33 70 45"], "sophie.lambert@example.org",
                       "fr", namur.id)
    return {c.name: services.contacts.create(c).id for c in (luc, sophie)}


def _questions(services: Any, people: dict[str, int], officers: dict[str, int]) -> list[str]:
    q = services.questions
    now = services.clock.now()

    def ask(contact: int, channel: str, topic: str, subject: str, days_ago: float = 0, **more: Any) -> str:
        received = now - timedelta(days=days_ago)
        cmd = RegisterQuestion(contact, channel, topic, subject, received_at=received, **more)
        return str(q.register(cmd, by="system").registration_number)

    fresh = ask(people["Anne Peeters"], "phone", "ris", "Wanneer wordt mijn leefloon betaald?")
    working = ask(people["Jean Dupont"], "email", "piis", "Contenu obligatoire d'un PIIS", 1)
    q.transition(working, "in_progress", by="system")
    sent_back = ask(officers["Luc Dubois"], "phone", "subsides", "Subside d'un petit CPAS", 1)
    q.transition(sent_back, "transferred", by="system", note="Pour le service Subsides (back office)")
    delayed = ask(people["Fatima El Amrani"], "letter", "aide-medicale", "Remboursement d'aide médicale", 6)
    q.set_due(delayed, now + timedelta(days=7), "Attente du dossier du CPAS", by="system")
    q.transition(delayed, "delayed", by="system")
    q.record_event(delayed, "notice_sent", by="system", data={"notice": "delay", "channel": "email"})
    answered = ask(people["Klaus Weber"], "phone", "ris", "Eingliederungseinkommen für Studenten", 2)
    q.mark_answered(answered, "front", by="system", note="Am Telefon beantwortet")
    closed = ask(officers["Sophie Lambert"], "fax", "energie", "Répartition du fonds gaz-électricité", 9)
    q.mark_answered(closed, "back", by="system")
    q.close(closed, by="system")
    complaint = ask(people["Jean Dupont"], "email", "ris", "Plainte : pas de réponse en 2 jours", 0.1,
                    type="complaint")
    conflict = ask(officers["Sophie Lambert"], "phone", "ris", "Quel CPAS est compétent ?", 8)
    q.switch_track(conflict, "competence", by="system", reason="Conflit de compétence entre deux CPAS")
    q.flag_faq(fresh, by="system")
    states = [(fresh, "registered, FAQ needed"), (working, "in progress"), (sent_back, "transferred"),
              (delayed, "delayed"), (answered, "answered"), (closed, "closed"), (complaint, "complaint"),
              (conflict, "competence track, overdue")]
    return [f"question {number}: {what}" for number, what in states]


def _calls(services: Any, people: dict[str, int], officers: dict[str, int]) -> str:
    now = services.clock.now()
    calls = [("demo-anne-1", "0471 12 34 56", 50), ("demo-anne-2", "0471 12 34 56", 3),
             ("demo-namur-1", SWITCHBOARD_NAMUR, 30), ("demo-klaus-1", "087 59 12 34", 2 * 24 * 60)]
    for call_id, number, minutes_ago in calls:
        start = now - timedelta(minutes=minutes_ago)
        services.calls.record_finished(FinishedCall(
            call_id, number, OUR_NUMBER, "inbound", start, start + timedelta(minutes=4),
            answered_at=start + timedelta(seconds=8), outcome="answered",
            contact_id=officers["Luc Dubois"] if number == SWITCHBOARD_NAMUR else None))
    return f"{len(calls)} calls"
