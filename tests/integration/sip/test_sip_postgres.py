"""Our Kamailio on PostgreSQL: auth_db reads the agents' hashes in the callcenter schema (PGOPTIONS)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from callcenter.db.engine import make_engine
from callcenter.db.models import Base
from tests.sip_support import SipEdge, needs_sip_peers

pytestmark = [needs_sip_peers, pytest.mark.postgres]


@pytest.fixture
def sip_database_url(pg_schema_url: str) -> Iterator[str]:
    yield pg_schema_url
    engine = make_engine(pg_schema_url)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def test_a_phone_registers_against_postgresql_and_takes_a_call(sip_edge: SipEdge) -> None:
    alice = sip_edge.add_agent("alice", "fr")
    sip_edge.register(alice)
    wrong = sip_edge.register(alice, password="not-the-password-at-all", expect_ok=False, port=None)
    assert wrong.wait() != 0
    sip_edge.register(alice)
    phone = sip_edge.phone(alice, "answer", after_ms=300)
    caller, call_id, _ = sip_edge.call(talk_ms=300)
    assert caller.wait() == 0, caller.sent_and_received()
    assert phone.wait() == 0
    assert sip_edge.ended_record(call_id)["agent_id"] == alice.user_id
