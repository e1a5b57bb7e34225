"""A front office of its own for the routing benches: a PostgreSQL schema, a Redis server, agents, callers.

Nothing is shared with other runs on the machine: the schema ``bench_route_<hex>`` is created, migrated
and dropped; Redis is a server of our own on a free loopback port (TCP, as in production), stopped at
the end. The office is open around the clock (like the CTI process tests), so the bench runs any day.
"""

from __future__ import annotations

import math
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from sqlalchemy import create_engine, make_url, text

import callcenter
from callcenter.bootstrap import Services, build_services
from callcenter.calendar_files import build_calendar_service
from callcenter.db import migrate
from callcenter.db.engine import make_engine
from callcenter.domain.agents import ProfileIn
from callcenter.domain.identity import NewUser, Role
from callcenter.passwords import Argon2PasswordHasher
from callcenter.services.clock import SystemClock
from callcenter.services.contacts import ContactIn
from callcenter.services.identity import IdentityService
from callcenter.services.questions import RegisterQuestion
from callcenter.settings import Settings, load_settings

REPO = Path(callcenter.__file__).resolve().parents[1]
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CTI_SECRET = "bench-cti-secret"
PASSWORD = "bench password 2026"
SERVICE_NUMBER = "+3225088586"
# Cheap argon2 for the bench's users: logging 50 agents in must not take minutes (the hash says its cost).
CHEAP_HASH = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
ALWAYS_OPEN = {"CALLCENTER_OFFICE_HOURS": "mon-sun 00:00-23:59", "CALLCENTER_YEAR_END_CLOSURE": "false",
               "CALLCENTER_FEDERAL_STAFF_HOLIDAYS": "false", "CALLCENTER_CLOSURES_FILE": ""}


@dataclass(frozen=True)
class Caller:
    number: str  # E.164
    registration_number: str  # of the caller's open question: what the screen-pop must show


@dataclass(frozen=True)
class Office:
    settings: Settings
    env: dict[str, str]  # the environment of a `callcenter web` process on the same office
    agents: list[tuple[int, str]]  # (user id, username)
    callers: list[Caller]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def private_redis() -> Iterator[str]:
    """Run a redis-server of our own on a free loopback port; yield its URL."""
    binary = shutil.which("redis-server") or str(Path(sys.prefix) / "bin" / "redis-server")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--protected-mode", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for_redis(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _wait_for_redis(url: str, process: subprocess.Popen[bytes]) -> None:
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit("redis-server exited at start")
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
    finally:
        client.close()
    raise SystemExit("redis-server did not answer within 10 s")


@contextmanager
def private_schema(pg_url: str) -> Iterator[str]:
    """Create and migrate a schema of our own; yield the URL that uses it; drop it afterwards."""
    schema = f"bench_route_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    try:
        engine = make_engine(rendered)
        migrate.upgrade(engine)
        engine.dispose()
        yield rendered
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def office_env(data_dir: Path, database_url: str, redis_url: str, **options: str) -> dict[str, str]:
    """Return the CALLCENTER_* environment of the bench's office (``options``: more settings by name)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update(ALWAYS_OPEN, CALLCENTER_DATA_DIR=str(data_dir), CALLCENTER_DATABASE_URL=database_url,
               CALLCENTER_REDIS_URL=redis_url, CALLCENTER_CTI_SECRET=CTI_SECRET,
               CALLCENTER_SECRET_KEY="bench-secret-key", CALLCENTER_LOG_LEVEL="WARNING",
               CALLCENTER_SERVICE_NUMBERS=f"{SERVICE_NUMBER}=fr",
               PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]))
    env.update({f"CALLCENTER_{name.upper()}": value for name, value in options.items()})
    return env


def office_settings(env: dict[str, str]) -> Settings:
    settings = load_settings({k: v for k, v in env.items() if k.startswith("CALLCENTER_")})
    if not build_calendar_service(settings, SystemClock()).is_open():
        raise SystemExit("The office is closed right now (a public holiday?): the bench needs it open.")
    return settings


def bench_services(settings: Settings) -> Services:
    """Build the services as a web worker would, with cheap password hashing for the bench's users."""
    services = build_services(settings)
    services.extras["identity"] = IdentityService(services.uow, services.clock,
                                                  Argon2PasswordHasher(**CHEAP_HASH))
    return services


def seed(services: Services, env: dict[str, str], agents: int, callers: int) -> Office:
    """Add ``agents`` French-speaking agents (offline) and ``callers`` callers with an open question each."""
    staff = [_agent(services, f"agent{n:03d}") for n in range(agents)]
    owner = staff[0][0] if staff else _agent(services, "owner")[0]
    people = [_caller(services, n, owner) for n in range(callers)]
    return Office(services.settings, env, staff, people)


def _agent(services: Services, username: str) -> tuple[int, str]:
    user, _ = services.identity.create_user(
        NewUser(username, username.title(), f"{username}@bench.example", frozenset({Role.AGENT}), "fr"),
        PASSWORD)
    services.agents.set_profile(username, ProfileIn(f"sip:{username}@pbx.bench", ["fr"]))
    return int(user.id), username


def _caller(services: Services, n: int, owner: int) -> Caller:
    number = f"+3247{n:07d}"
    contact = services.contacts.create(ContactIn(f"Caller {n}", (number,), f"caller{n}@bench.example", "fr"))
    question = services.questions.register(RegisterQuestion(contact.id, "phone", subject=f"Question {n}"),
                                           by=owner)
    return Caller(number, question.registration_number)


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


def summary(label: str, samples: list[float]) -> str:
    """Return one line: n, p50, p95, p99 and max of millisecond samples."""
    ts = sorted(samples)
    figures = "  ".join(f"p{p} {percentile(ts, p):7.2f}" for p in (50, 95, 99))
    return f"{label:<34} n={len(ts):5d}  {figures}  max {ts[-1] if ts else float('nan'):7.2f} ms"


def load_line(when: str) -> str:
    """Say how busy the machine is (the figures mean little on a saturated one)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {when}: {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"
