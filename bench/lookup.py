"""Print screen-pop lookup latency through the real service on a CRM of production size (target p99 5 ms).

Creates the schema bench_lookup with the real Alembic migrations, loads 200,000 contacts, 1,000,000
questions and 2,000,000 calls by COPY (see bench.lookup_seed), runs VACUUM ANALYZE, then times
services.screen_pop.lookup for random known, household, CPAS-switchboard and unknown numbers after a
warm-up. Run from the repository root: python -m bench.lookup [--scale 0.1] [--n 5000] [--keep] [--explain]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text

from bench import lookup_seed as seed
from callcenter.bootstrap import Services, build_services
from callcenter.db import migrate
from callcenter.db.engine import make_engine
from callcenter.settings import load_settings

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_lookup"
MIX = {"known": 0.70, "household": 0.10, "switchboard": 0.10, "unknown": 0.10}  # share of lookups
TABLES = [  # (table, columns in the order bench.lookup_seed spells them)
    ("organisations", "id, name, switchboard, created_at"),
    ("contacts", "id, name, email, language, organisation_id, created_at, updated_at"),
    ("contact_phones", "id, contact_id, e164, position"),
    ("topics", "id, code, name_fr, name_nl, name_de, name_en, active, faq_reference"),
    ("questions", "id, registration_number, contact_id, type, channel, reply_channel, topic_id, subject, "
                  "received_at, status, owner_user_id, track, due_at, answered_by_tier, answered_at, "
                  "closed_at, faq_needed"),
    ("calls", "id, call_id, contact_id, from_number, to_number, direction, started_at, answered_at, "
              "ended_at, agent_user_id, outcome, question_id"),
]


def schema_url(url: str) -> str:
    """Return ``url`` with the benchmark schema as its search path."""
    with_path = make_url(url).update_query_dict({"options": f"-csearch_path={SCHEMA}"})
    return with_path.render_as_string(hide_password=False)


def seed_schema(admin: Engine, url: str, scale: float, population: seed.Population, rng_seed: int) -> None:
    """Recreate the schema, migrate it, COPY the rows in and VACUUM ANALYZE; print the time each took."""
    started = time.perf_counter()
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        counts = _load(engine, scale, population, random.Random(rng_seed + 1))
        loaded = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # As autovacuum would have by then: hint bits, visibility map, planner statistics.
            conn.execute(text("VACUUM ANALYZE " + ", ".join(table for table, _ in TABLES)))
    finally:
        engine.dispose()
    print("seeded " + ", ".join(f"{n:,} {table}" for table, n in counts.items()))
    print(f"seeding: {loaded - started:.0f} s load (migrations + COPY + indexes), "
          f"{time.perf_counter() - loaded:.0f} s VACUUM ANALYZE")


def _load(engine: Engine, scale: float, population: seed.Population, rng: random.Random) -> dict[str, int]:
    now = int(time.time())
    linked = seed.PhoneQuestions()
    rows = {
        "organisations": seed.organisation_rows(population, now),
        "contacts": seed.contact_rows(rng, population, now),
        "contact_phones": seed.phone_rows(population),
        "topics": seed.topic_rows(),
        "questions": seed.question_rows(rng, population, round(seed.QUESTIONS * scale), now, linked),
        "calls": seed.call_rows(rng, population, round(seed.CALLS * scale), now, linked),
    }
    counts: dict[str, int] = {}
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        # The rows are generated consistent: skip the per-row foreign-key triggers (superuser only).
        _try(cursor, "SET LOCAL session_replication_role = replica")
        for table, columns in TABLES:
            counts[table] = seed.copy_rows(cursor, table, columns, rows[table])
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {max(counts[table], 1)})")
        conn.commit()
    finally:
        conn.close()
    return counts


def _try(cursor: Any, statement: str) -> None:
    cursor.execute("SAVEPOINT attempt")
    try:
        cursor.execute(statement)
    except Exception as exc:  # noqa: BLE001 - a non-superuser URL only loads slower
        cursor.execute("ROLLBACK TO SAVEPOINT attempt")
        print(f"note: {statement!r} refused ({exc}); foreign keys are checked row by row")


def lookups(population: seed.Population, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """Draw n (kind, number) lookups following MIX."""
    kinds = rng.choices(list(MIX), list(MIX.values()), k=n)
    return [(kind, rng.choice(population.pools[kind])) for kind in kinds]


Sample = tuple[str, str, float]  # kind, number, milliseconds


def measure(lookup: Callable[[str], Any], picks: list[tuple[str, str]]) -> tuple[list[Sample], float]:
    """Time each lookup in ms; return the samples and the elapsed seconds."""
    samples: list[Sample] = []
    started = time.perf_counter()
    for kind, number in picks:
        t0 = time.perf_counter_ns()
        lookup(number)
        samples.append((kind, number, (time.perf_counter_ns() - t0) / 1e6))
    return samples, time.perf_counter() - started


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def report(samples: list[Sample], elapsed: float) -> None:
    print(f"{'kind':<12} {'n':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}   (ms)")
    for kind in [*MIX, "all"]:
        ts = sorted(ms for k, _, ms in samples if kind in (k, "all"))
        if ts:
            figures = " ".join(f"{percentile(ts, p):7.2f}" for p in (50, 95, 99))
            print(f"{kind:<12} {len(ts):>6} {figures} {ts[-1]:7.2f}")
    print(f"{len(samples) / elapsed:,.0f} lookups/s (one client, one after the other)")
    # The machine may be shared: say how busy it was, the figures mean little on a saturated one.
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
          + f" on {os.cpu_count()} CPUs")


@contextmanager
def recording(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Collect (statement, parameters) of everything the engine sends while the block runs."""
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def statement_clock(engine: Engine) -> Iterator[dict[str, int]]:
    """Count the statements the engine runs while the block runs, and the nanoseconds they take."""
    totals = {"count": 0, "ns": 0}
    started: list[int] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter_ns())

    def after(*_: Any) -> None:
        totals["count"] += 1
        totals["ns"] += time.perf_counter_ns() - started.pop()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield totals
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def explain(services: Services, samples: list[Sample]) -> None:
    """EXPLAIN ANALYZE the statements the service sends for the slowest lookup of each kind."""
    for kind in MIX:
        slowest = max((s for s in samples if s[0] == kind), key=lambda s: s[2], default=None)
        if slowest is None:
            continue
        with recording(services.engine) as sent:
            services.screen_pop.lookup(slowest[1])
        print(f"\n=== {kind}: {slowest[1]} ({slowest[2]:.2f} ms when measured)")
        with services.engine.connect() as conn:
            for statement, parameters in sent:
                if statement.lstrip().upper().startswith("SELECT"):
                    plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    print(" ".join(statement.split())[:200] + " …")
                    print("\n".join("    " + row[0] for row in plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="PostgreSQL URL (SQLAlchemy, psycopg 3)")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full volume (0.1: quick)")
    parser.add_argument("--n", type=int, default=5000, help="lookups to time")
    parser.add_argument("--warmup", type=int, default=500, help="lookups before timing")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the data and the lookups")
    parser.add_argument("--keep", action="store_true", help=f"keep the schema {SCHEMA} afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help=f"time the kept {SCHEMA} (same --scale and --seed) instead of seeding again")
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN ANALYZE the slowest lookup of each kind")
    args = parser.parse_args()
    run(args)


def run(args: argparse.Namespace) -> None:
    population = seed.make_population(random.Random(args.seed), round(seed.CONTACTS * args.scale))
    admin = create_engine(args.url, isolation_level="AUTOCOMMIT")
    url = schema_url(args.url)
    try:
        if args.reuse:
            _migrate_kept(admin, url)
        else:
            seed_schema(admin, url, args.scale, population, args.seed)
        with tempfile.TemporaryDirectory() as data_dir:
            env = {"CALLCENTER_DATA_DIR": data_dir, "CALLCENTER_DATABASE_URL": url,
                   "CALLCENTER_SECRET_KEY": "bench"}
            services = build_services(load_settings(env), no_redis=True)
            try:
                _time(services, population, args)
            finally:
                services.close()
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


def _migrate_kept(admin: Engine, url: str) -> None:
    """Check the kept schema is there and apply the revisions added since (new indexes)."""
    with admin.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
                             {"s": SCHEMA}).first()
    if found is None:
        raise SystemExit(f"--reuse: there is no schema {SCHEMA}; run once with --keep first")
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


def _time(services: Services, population: seed.Population, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed + 2)
    measure(services.screen_pop.lookup, lookups(population, args.warmup, rng))
    picks = lookups(population, args.n, rng)
    cpu = time.process_time()
    with statement_clock(services.engine) as statements:
        samples, elapsed = measure(services.screen_pop.lookup, picks)
    cpu = time.process_time() - cpu
    report(samples, elapsed)
    n = len(picks)
    print(f"per lookup: {statements['count'] / n:.1f} statements taking {statements['ns'] / n / 1e6:.2f} ms "
          f"(send, run, fetch), {cpu / n * 1000:.2f} ms of this process's CPU")
    if args.explain:
        explain(services, samples)


if __name__ == "__main__":
    main()
