"""The demo CRM data loads through the services, covers every status, and loads only once."""

from __future__ import annotations

from sqlalchemy import text

from callcenter.bootstrap import Services
from callcenter.demo_crm import load_demo_crm
from callcenter.domain.questions import Status
from tests.integration.crm_support import crm_services  # noqa: F401


def test_demo_covers_every_status_and_loads_once(crm: Services) -> None:
    lines = load_demo_crm(crm)
    assert lines and any("questions" not in line and "topics" in line for line in lines)
    with crm.engine.connect() as conn:
        statuses = {row[0] for row in conn.execute(text("SELECT DISTINCT status FROM questions"))}
    assert statuses == {s.value for s in Status}
    pop = crm.screen_pop.lookup("081 33 70 11")
    assert [c["name"] for c in pop["contacts"]] == ["Luc Dubois", "Sophie Lambert"]
    assert {c["match"] for c in pop["contacts"]} == {"possible"}
    assert load_demo_crm(crm) == []
