"""`callcenter up --demo` data: a living CRM, users whose logins work, experts with agendas; loaded once."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from callcenter.bootstrap import Services, build_services
from callcenter.demo import DEMO_USERS, LOGINS_FILE, load_demo, read_logins
from callcenter.domain.questions import Status
from callcenter.passwords import Argon2PasswordHasher
from callcenter.services.clock import FixedClock
from callcenter.services.identity import IdentityService

# Thursday 26 November 2026, 10:00 in Brussels: a working day, the office is open.
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TABLES = ("topics", "contacts", "contact_phones", "organisations", "questions", "question_events", "calls",
          "users", "expert_competences", "agenda_entries")


@pytest.fixture(name="demo")
def demo_services(make_settings: Any, database_url: str) -> Iterator[Services]:
    """Services as `up --demo` builds them, at a fixed time, with cheap password hashing."""
    built = build_services(make_settings(database_url=database_url), no_redis=True, clock=FixedClock(T0))
    # The identity service as wired, but with a fast hasher: several argon2id hashes per load add up.
    cheap = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    built.extras["identity"] = IdentityService(built.uow, built.clock, cheap)
    yield built
    built.close()


def _counts(services: Services) -> dict[str, int]:
    with services.engine.connect() as conn:
        return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES}


def _logins(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("demo: log in as ")]


def test_loading_twice_adds_nothing_and_prints_the_same_logins(demo: Services) -> None:
    first = load_demo(demo)
    counts = _counts(demo)
    second = load_demo(demo)
    assert _counts(demo) == counts
    assert all(counts[t] > 0 for t in TABLES if t != "question_events") and counts["question_events"] > 0
    assert len(_logins(first)) == len(DEMO_USERS) and _logins(second) == _logins(first)
    assert "demo: CRM data already loaded" in second


def test_the_crm_has_questions_in_every_status(demo: Services) -> None:
    load_demo(demo)
    with demo.engine.connect() as conn:
        statuses = {row[0] for row in conn.execute(text("SELECT DISTINCT status FROM questions"))}
    assert statuses == {s.value for s in Status}
    assert demo.screen_pop.lookup("0471 12 34 56")["contacts"][0]["open_questions"]


def test_printed_logins_work_and_are_kept_owner_only(demo: Services) -> None:
    lines = load_demo(demo)
    path = demo.settings.data_dir / LOGINS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = read_logins(path)
    for user in DEMO_USERS:
        assert f"demo: log in as {user.username} / {stored[user.username]} " in "\n".join(lines)
        assert demo.identity.authenticate(user.username, stored[user.username]).roles == user.roles


def test_a_lost_logins_file_gives_new_passwords_that_work(demo: Services) -> None:
    load_demo(demo)
    path = demo.settings.data_dir / LOGINS_FILE
    old = read_logins(path)
    path.unlink()
    load_demo(demo)
    new = read_logins(path)
    assert new.keys() == old.keys() and all(new[name] != old[name] for name in new)
    assert demo.identity.authenticate("demo.agent", new["demo.agent"]).username == "demo.agent"


def test_experts_have_competences_and_an_agenda(demo: Services) -> None:
    load_demo(demo)
    load_demo(demo)
    experts = [user for user in DEMO_USERS if user.competences]
    assert len(experts) >= 2
    day = (T0.replace(hour=0), T0.replace(hour=0) + timedelta(days=1))
    absences = {u.username: demo.agendas.entries(u.username, *day) for u in experts}
    assert [len(absences[u.username]) for u in experts] == [1 if u.absence else 0 for u in experts]
    assert all(sorted(demo.agendas.competences(u.username)) == sorted(u.competences) for u in experts)
    available = demo.agendas.available_experts("ris", T0.replace(hour=13))  # 14:00 in Brussels
    assert {e.username for e in available} == {u.username for u in experts}
    assert [e.availability.available_now for e in available] == [True, False]
