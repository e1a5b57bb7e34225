"""Print screen-pop lookup latency on PostgreSQL at the target volume (p99 target: 5 ms).

Builds a throw-away schema with 200,000 contacts (10% officers of 600 CPAS with a switchboard, one
number in 500 shared by two contacts), 1,000,000 questions (one in seven open) and 2,000,000 calls, then
times lookups of random known numbers, shared numbers, switchboards and unknown numbers through the real
service, read-only unit of work and calendar, as wired.
Run from the repository root: python -m bench.screen_pop [--n 3000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from callcenter.calendar_files import build_calendar_service
from callcenter.crm_wiring import OfficeWorkingCalendar, autocommit_uow
from callcenter.db import migrate
from callcenter.db.engine import make_engine
from callcenter.domain.calendar import office_zone
from callcenter.services.clock import FixedClock
from callcenter.services.screen_pop import ScreenPopService
from callcenter.settings import load_settings

PG_URL = os.environ.get("CALLCENTER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
CONTACTS, ORGS, QUESTIONS, CALLS = 200_000, 600, 1_000_000, 2_000_000

FILL = [
    f"""INSERT INTO organisations (id, name, switchboard, created_at)
        SELECT i, 'CPAS ' || i, '+3281' || lpad(i::text, 6, '0'), now() FROM generate_series(1, {ORGS}) i""",
    f"""INSERT INTO contacts (id, name, email, language, organisation_id, created_at, updated_at)
        SELECT i, 'Contact ' || i, 'c' || i || '@example.org', (ARRAY['fr','nl','de','en'])[1 + i % 4],
               CASE WHEN i % 10 = 0 THEN 1 + i % {ORGS} END, now(), now()
        FROM generate_series(1, {CONTACTS}) i""",
    # One number in 500 is also given by the next contact: a shared home number.
    f"""INSERT INTO contact_phones (contact_id, e164, position)
        SELECT i, '+32470' || lpad((i - CASE WHEN i % 500 = 1 THEN 1 ELSE 0 END)::text, 6, '0'), 0
        FROM generate_series(1, {CONTACTS}) i""",
    f"""INSERT INTO questions (registration_number, contact_id, type, channel, reply_channel, subject,
            received_at, status, track, due_at, faq_needed)
        SELECT '2026-' || lpad(i::text, 12, '0'), 1 + i % {CONTACTS}, 'question', 'phone', 'phone', 'Sujet',
               now() - (i % 400) * interval '1 day',
               CASE WHEN i % 7 = 0 THEN (ARRAY['registered','in_progress','transferred','delayed'])[1 + i % 4]
                    ELSE 'closed' END,
               'standard', now() - (i % 400) * interval '1 day' + interval '2 days', false
        FROM generate_series(1, {QUESTIONS}) i""",
    f"""INSERT INTO calls (call_id, contact_id, from_number, to_number, direction, started_at, ended_at,
                           outcome)
        SELECT 'call-' || i, 1 + i % {CONTACTS}, '+32470000000', '+3225088586', 'inbound',
               now() - i * interval '13 seconds', now() - i * interval '13 seconds' + interval '3 minutes',
               'answered'
        FROM generate_series(1, {CALLS}) i""",
    "ANALYZE",
]


def build_schema(url: str) -> None:
    """Migrate and fill the schema, printing how long it took."""
    started = time.perf_counter()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        for statement in FILL:
            conn.execute(text(statement))
    engine.dispose()
    print(f"filled in {time.perf_counter() - started:.0f} s: {CONTACTS} contacts, {QUESTIONS} questions, "
          f"{CALLS} calls")


def numbers(n: int, seed: int = 26) -> list[tuple[str, str]]:
    """Return n (kind, number) lookups: mostly known numbers, some shared, switchboards and unknown."""
    rng = random.Random(seed)
    picks: list[tuple[str, str]] = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.70:
            picks.append(("known", f"0470 {rng.randrange(2, CONTACTS):06d}"))
        elif roll < 0.80:
            picks.append(("shared", f"0470 {500 * rng.randrange(1, CONTACTS // 500):06d}"))
        elif roll < 0.90:
            picks.append(("switchboard", f"081 {rng.randrange(1, ORGS):06d}"))
        else:
            picks.append(("unknown", f"0478 {rng.randrange(10**6):06d}"))
    return picks


def run(url: str, n: int) -> None:
    settings = load_settings({"CALLCENTER_DATA_DIR": "/tmp/callcenter-bench"})
    clock = FixedClock(NOW)
    engine = make_engine(url)
    calendar = OfficeWorkingCalendar(build_calendar_service(settings, clock))
    pop = ScreenPopService(autocommit_uow(engine), clock, calendar, office_zone("Europe/Brussels"))
    lookups = numbers(n)
    for _, number in lookups[:200]:  # warm the pool, the caches and the statement cache
        pop.lookup(number)
    timings: dict[str, list[float]] = {}
    for kind, number in lookups:
        started = time.perf_counter()
        pop.lookup(number)
        timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    engine.dispose()
    every = sorted(t for ts in timings.values() for t in ts)
    for kind, ts in sorted(timings.items()) + [("all", every)]:
        ts.sort()
        print(f"{kind:12s} n={len(ts):5d}  p50 {statistics.median(ts):6.2f} ms  "
              f"p99 {ts[int(len(ts) * 0.99) - 1]:6.2f} ms  max {ts[-1]:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="lookups to time")
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        build_schema(url)
        run(url, args.n)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
