"""Shared fixtures: settings in a temporary data dir, real databases (SQLite and PostgreSQL), real Redis.

PostgreSQL (127.0.0.1:5432, database ``test``) gets one schema per test session, migrated once and
truncated after each test; SQLite gets a migrated file per test. Redis uses a database (1–15, by process)
of the server on 127.0.0.1:6379, flushed around each test. Override with CALLCENTER_TEST_PG_URL /
CALLCENTER_TEST_REDIS_URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from callcenter.settings import Settings, load_settings

PG_URL = os.environ.get("CALLCENTER_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# One Redis database per test process (1–15), so concurrent test runs on one machine do not flush
# each other's keys; CI runs one process.
REDIS_URL = os.environ.get("CALLCENTER_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{1 + os.getpid() % 15}")


@pytest.fixture
def make_settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Build settings in a temporary data dir; keyword arguments override options."""

    def make(**overrides: object) -> Settings:
        # Supervisors' snapshots after every step, at once: tests check them right after it (the
        # refresh interval has tests of its own).
        env = {"CALLCENTER_DATA_DIR": str(tmp_path / "var"), "CALLCENTER_SUPERVISOR_REFRESH_MS": "0"}
        return load_settings(env).replace(**overrides)

    return make


@pytest.fixture
def settings(make_settings) -> Settings:  # type: ignore[no-untyped-def]
    return make_settings()


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL schema for this test session."""
    from sqlalchemy import create_engine

    from callcenter.db import migrate
    from callcenter.db.engine import make_engine

    schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _truncate_all(engine: Engine) -> None:
    from callcenter.db.models import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    if names:
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: each test using it runs on SQLite and on PostgreSQL."""
    from callcenter.db import migrate
    from callcenter.db.engine import make_engine

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
        return
    url = request.getfixturevalue("pg_schema_url")
    yield url
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The real Redis server, this process's database, flushed around the test."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture
def services(make_settings, database_url: str, redis_url: str):  # type: ignore[no-untyped-def]
    """Fully wired services on a real database and a real Redis."""
    from callcenter.bootstrap import build_services

    built = build_services(make_settings(database_url=database_url, redis_url=redis_url))
    yield built
    built.close()
