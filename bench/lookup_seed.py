"""The screen-pop benchmark's CRM: a seeded Belgian population loaded by PostgreSQL COPY (bench.lookup).

Contacts are citizens (a mobile, sometimes an own landline or a household line shared by 2-4 people)
and officers of the 581 CPAS (their direct line, the CPAS switchboard shared by many, or both; a few
big CPAS have hundreds of officers). Questions come mostly from recent months, most of them closed;
phone questions have the call they came in on, and the other calls come from contacts or from
unknown numbers.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any

import phonenumbers

CONTACTS, QUESTIONS, CALLS = 200_000, 1_000_000, 2_000_000
CPAS = 581  # one public social welfare centre per Belgian municipality
OFFICERS = 0.10  # share of contacts who are CPAS officers
HOUSEHOLDS = 0.08  # share of citizens who share a home line with relatives
UNKNOWN = 20_000  # valid numbers nobody gave, for the "unknown" lookups
OUR_NUMBER = "+3225088586"
DAY = 86_400
HISTORY_DAYS = 3 * 365
AREAS = ["2", "3", "4", "9", "10", "11", "13", "14", "15", "16", "19", "50", "51", "52", "53", "54", "55",
         "56", "57", "58", "59", "60", "61", "63", "64", "65", "67", "69", "71", "80", "81", "82", "83",
         "84", "85", "86", "87", "89"]
FIRST = ["Anne", "Jan", "Marie", "Luc", "Sophie", "Pieter", "Fatima", "Mohamed", "Els", "Klaus", "Nathalie",
         "Koen", "Isabelle", "Ahmed", "Sarah", "Thomas", "Julie", "Bart", "Inge", "Youssef", "Claire", "Dirk"]
LAST = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
        "De Smet", "Dubois", "Lambert", "Dupont", "Martin", "Simon", "Laurent", "Leroy", "Renard",
        "El Amrani", "Weber", "Schmitz", "Van den Broeck", "Lemaire", "Hermans", "Michel", "Diallo"]
SUBJECTS = ["Paiement du revenu d'intégration", "Wanneer wordt mijn leefloon betaald?",
            "Contenu obligatoire d'un PIIS", "Remboursement d'aide médicale urgente",
            "Fonds gaz-électricité : répartition", "Subside d'un petit CPAS", "Quel CPAS est compétent ?",
            "Eingliederungseinkommen für Studenten", "Stookoliefonds: voorwaarden", "Adresse de référence"]
TOPICS = ["ris", "piis", "energie", "aide-medicale", "subsides", "mazout", "adresse-reference",
          "etudiants", "sans-abri", "covid", "culture-sport", "pauvrete-infantile"]
LANGUAGES = ["fr"] * 4 + ["nl"] * 5 + ["de", "en"]
CHANNELS = (["phone", "email", "web", "letter", "fax"], [60, 25, 10, 4, 1])
OPEN = (["registered", "in_progress", "transferred", "delayed"], [40, 30, 20, 10])


@dataclass
class Population:
    switchboards: list[str]  # organisation i + 1
    organisation_of: list[int | None]  # contact i + 1
    phones: list[list[str]]  # contact i + 1, in the order given
    pools: dict[str, list[str]]  # lookup kind -> numbers to look up
    weights: list[float]  # contact i + 1: how often they ask and call


def make_population(rng: random.Random, contacts: int) -> Population:
    """Draw contacts, their numbers and organisations, and the numbers the lookups will use."""
    mobiles = [f"+324{m}" for m in rng.sample(range(70_000_000, 100_000_000), contacts + UNKNOWN)]
    unknown, mobiles = mobiles[:UNKNOWN], mobiles[UNKNOWN:]
    lines = _landlines(rng, CPAS + contacts // 3)
    switchboards, lines = lines[:CPAS], lines[CPAS:]
    # Zipf-like sizes: a few CPAS (Brussels, Antwerp, Liège) have hundreds of officers.
    sizes = list(accumulate(rng.paretovariate(1.5) for _ in range(CPAS)))
    organisation_of: list[int | None] = []
    phones: list[list[str]] = []
    weights: list[float] = []
    pools: dict[str, list[str]] = {"known": [], "household": [], "switchboard": [], "unknown": unknown}
    for i in range(contacts):
        officer = rng.random() < OFFICERS
        org = rng.choices(range(1, CPAS + 1), cum_weights=sizes)[0] if officer else None
        organisation_of.append(org)
        weights.append(rng.paretovariate(2.0) * (6 if officer else 1))
        own = lines.pop() if (officer and rng.random() < 0.5) or rng.random() < 0.2 else None
        numbers = [n for n in (None if officer else mobiles[i], own) if n]
        pools["known"].extend(numbers)
        if org is not None and (not numbers or rng.random() < 0.3):
            numbers.append(switchboards[org - 1])
            pools["switchboard"].append(switchboards[org - 1])  # as often as its officers call
        phones.append(numbers)
    _share_household_lines(rng, organisation_of, phones, lines, pools["household"])
    return Population(switchboards, organisation_of, phones, pools, weights)


def _landlines(rng: random.Random, count: int) -> list[str]:
    """Draw distinct valid Belgian fixed-line numbers."""
    found: dict[str, None] = {}
    while len(found) < count:
        area = rng.choice(AREAS)
        digits = 8 - len(area)
        number = f"+32{area}{rng.randrange(10**digits):0{digits}d}"
        if number not in found and phonenumbers.is_valid_number(phonenumbers.parse(number)):
            found[number] = None
    return list(found)


def _share_household_lines(rng: random.Random, organisation_of: list[int | None], phones: list[list[str]],
                           lines: list[str], pool: list[str]) -> None:
    """Give groups of 2-4 citizens one home line each, after their own numbers."""
    citizens = [i for i, org in enumerate(organisation_of) if org is None]
    members = rng.sample(citizens, int(len(citizens) * HOUSEHOLDS))
    while len(members) >= 2:
        size = min(len(members), rng.choice([2, 2, 2, 3, 3, 4]))
        number = lines.pop()
        pool.append(number)
        for i in [members.pop() for _ in range(size)]:
            phones[i].append(number)


def organisation_rows(population: Population, now: int) -> Iterator[str]:
    for i, board in enumerate(population.switchboards, start=1):
        yield _row(i, f"CPAS {i:03d}", board, _ts(now - HISTORY_DAYS * DAY))


def contact_rows(rng: random.Random, population: Population, now: int) -> Iterator[str]:
    for i, org in enumerate(population.organisation_of, start=1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}.{i}@example.org".lower().replace(" ", "") if rng.random() < 0.7 else None
        created = _ts(now - rng.randrange(HISTORY_DAYS * DAY))
        yield _row(i, f"{first} {last}", email, rng.choice(LANGUAGES), org, created, created)


def phone_rows(population: Population) -> Iterator[str]:
    row_id = 0
    for contact_id, numbers in enumerate(population.phones, start=1):
        for position, number in enumerate(numbers):
            row_id += 1
            yield _row(row_id, contact_id, number, position)


def topic_rows() -> Iterator[str]:
    for i, code in enumerate(TOPICS, start=1):
        yield _row(i, code, f"Sujet {code}", f"Onderwerp {code}", f"Thema {code}", f"Topic {code}", "t",
                   None if i % 3 else f"https://www.mi-is.be/fr/faq#{code}")


@dataclass
class PhoneQuestions:
    """Phone questions (id, contact, received) whose call the call table will hold."""

    ids: array[int] = field(default_factory=lambda: array("l"))
    contacts: array[int] = field(default_factory=lambda: array("l"))
    received: array[int] = field(default_factory=lambda: array("q"))

    def add(self, question_id: int, contact_id: int, received: int) -> None:
        self.ids.append(question_id)
        self.contacts.append(contact_id)
        self.received.append(received)


def question_rows(rng: random.Random, population: Population, count: int, now: int,
                  linked: PhoneQuestions) -> Iterator[str]:
    asked_by = rng.choices(range(1, len(population.phones) + 1), population.weights, k=count)
    bodies = rng.sample(range(10**8), count)  # distinct registration numbers
    for qid, (contact, body) in enumerate(zip(asked_by, bodies, strict=True), start=1):
        age = HISTORY_DAYS * rng.random() ** 2 * DAY  # more questions lately than three years ago
        received = int(now - age)
        channel = rng.choices(*CHANNELS)[0]
        if channel == "phone":
            linked.add(qid, contact, received)
        yield _row(qid, _registration_number(received, body), contact,
                   "complaint" if rng.random() < 0.01 else "question", channel,
                   "email" if channel == "web" else channel, rng.randrange(1, len(TOPICS) + 1),
                   rng.choice(SUBJECTS), _ts(received), *_progress(rng, received, age / DAY),
                   "t" if rng.random() < 0.02 else "f")


def _progress(rng: random.Random, received: int, age_days: float) -> tuple[Any, ...]:
    """Return (status, owner, track, due, tier, answered, closed): recent ones open, old ones closed."""
    track = "competence" if rng.random() < 0.03 else "standard"
    due = received + (7 if track == "competence" else 4) * DAY
    still_open = rng.random() < (0.6 if age_days < 10 else 0.05 if age_days < 30 else 0.002)
    if still_open:
        status = rng.choices(*OPEN)[0]
        due += 10 * DAY if status == "delayed" else 0
        return status, None, track, _ts(due), None, None, None
    answered = received + rng.randrange(3 * DAY)
    status = "answered" if age_days < 20 and rng.random() < 0.5 else "closed"
    closed = _ts(answered + rng.randrange(DAY)) if status == "closed" else None
    tier = "front" if rng.random() < 0.7 else "back"
    return status, None, track, _ts(due), tier, _ts(answered), closed


def call_rows(rng: random.Random, population: Population, count: int, now: int,
              linked: PhoneQuestions) -> Iterator[str]:
    for i in range(len(linked.ids)):
        contact = linked.contacts[i]
        yield _call(rng, i + 1, contact, population.phones[contact - 1][0], linked.received[i] - 300,
                    linked.ids[i], inbound=True)
    rest = max(0, count - len(linked.ids))
    callers = rng.choices(range(1, len(population.phones) + 1), population.weights, k=rest)
    unknown = population.pools["unknown"]
    for n, contact in enumerate(callers, start=len(linked.ids) + 1):
        started = int(now - HISTORY_DAYS * rng.random() ** 2 * DAY)
        if rng.random() < 0.2:  # a caller the CRM does not know
            yield _call(rng, n, None, rng.choice(unknown), started, None, inbound=True)
        else:
            number = rng.choice(population.phones[contact - 1])
            yield _call(rng, n, contact, number, started, None, inbound=rng.random() < 0.9)


def _call(rng: random.Random, call_id: int, contact: int | None, number: str, started: int,
          question: int | None, *, inbound: bool) -> str:
    answered = rng.random() < 0.85
    ended = started + rng.randrange(20, 900)
    return _row(call_id, f"bench-{call_id}", contact, number if inbound else OUR_NUMBER,
                OUR_NUMBER if inbound else number, "inbound" if inbound else "outbound", _ts(started),
                _ts(started + rng.randrange(3, 60)) if answered else None, _ts(ended), None,
                "answered" if answered else "missed", question)


def _registration_number(received: int, body: int) -> str:
    payload = f"{datetime.fromtimestamp(received, UTC).year:04d}{body:08d}"
    d = payload + f"{98 - int(payload + '00') % 97:02d}"  # twin of domain.registration.check_digits
    return f"{d[:4]}-{d[4:8]}-{d[8:12]}-{d[12:]}"


def _ts(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _row(*values: object) -> str:
    """Spell one line of COPY text format (no value here holds a tab, newline or backslash)."""
    return "\t".join(r"\N" if v is None else str(v) for v in values) + "\n"


def copy_rows(cursor: Any, table: str, columns: str, rows: Iterable[str], batch: int = 20_000) -> int:
    """COPY rows (lines of text format) into ``table`` in batches; return how many were written."""
    written = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        chunk: list[str] = []
        for line in rows:
            chunk.append(line)
            if len(chunk) == batch:
                copy.write("".join(chunk))
                written, chunk = written + len(chunk), []
        copy.write("".join(chunk))
    return written + len(chunk)
