"""A running front office for the panels' browser tests: the real app in a threaded WSGI server.

The app runs in this process (so that its clock can be a Thursday morning the office is open, moving on
in real time) on a free port of 127.0.0.1, on a migrated SQLite file and a Redis server of its own (the
embedded one of its data dir: routing state in a shared test database would meet other runs' agents),
with a caller who has an open and an overdue question, an agent, a competent expert and a supervisor.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

import callcenter
from callcenter.bootstrap import Services, build_services
from callcenter.domain.agents import ProfileIn
from callcenter.domain.identity import NewUser, Role
from callcenter.redis_connection import EmbeddedRedis
from callcenter.services.contacts import ContactIn
from callcenter.services.questions import RegisterQuestion
from callcenter.services.topics import TopicIn
from callcenter.settings import load_settings
from callcenter.web.app import create_app
from webhooks.cti_client import CtiClient

REPO = Path(callcenter.__file__).resolve().parents[1]
AXE_JS = REPO / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SHOTS = REPO / "test-artifacts" / "agent-panel"
# Thursday 26 November 2026, 10:00 in Brussels: the office is open and the expert free.
OPEN_THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
CTI_SECRET = "e2e-cti-secret"
CALLER = "+32471123456"
SERVICE_NUMBER = "+3225088586"


class ShiftedClock:
    """Real time, moving on from a chosen instant."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._t0)


@dataclass(frozen=True)
class Site:
    url: str
    services: Services
    open_question: str
    overdue_question: str
    agent_id: int
    expert_id: int

    def cti(self) -> CtiClient:
        """A PBX's client, signing with the site's clock (the API refuses signatures 300 s off its own)."""
        return CtiClient(self.url, CTI_SECRET, clock=lambda: self.services.clock.now().timestamp())


def seed(services: Services) -> tuple[str, str, int, int]:
    """Add the staff, a topic and a caller with two open questions; return their numbers and two ids."""
    def user(name: str, display: str, role: Role, language: str) -> int:
        new = NewUser(name, display, f"{name}@mi-is.be", frozenset({role}), language)
        return int(services.identity.create_user(new, PASSWORD)[0].id)

    agent = user("anna", "Anna Lambert", Role.AGENT, "fr")
    expert = user("erik", "Erik Claes", Role.EXPERT, "fr")
    user("sam", "Sam Dubois", Role.SUPERVISOR, "nl")
    services.agents.set_profile("anna", ProfileIn("sip:anna@pbx.example.be", ["fr", "nl"]))
    services.topics.create(TopicIn("ris", {"fr": "Revenu d'intégration", "nl": "Leefloon",
                                           "de": "Eingliederungseinkommen", "en": "Integration income"}))
    services.agendas.set_competences("erik", ["ris"])
    contact = services.contacts.create(ContactIn("Anne Peeters", (CALLER,), "anne@example.be", "fr"))
    open_q = services.questions.register(RegisterQuestion(contact.id, "phone", topic="ris",
                                                          subject="RIS étudiant"), by=agent)
    late = services.clock.now() - timedelta(days=14)
    overdue = services.questions.register(RegisterQuestion(contact.id, "letter", subject="Attestation",
                                                           received_at=late), by=agent)
    return open_q.registration_number, overdue.registration_number, agent, expert


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on a free port of 127.0.0.1, seeded, on its own Redis; everything stopped at the end."""
    data = tmp_path_factory.mktemp("agent-panel")
    settings = load_settings({"CALLCENTER_DATA_DIR": str(data / "var")}).replace(
        database_url=f"sqlite:///{data / 'cc.db'}", redis_url="", cti_secret=CTI_SECRET,
        wrap_up_s=600.0, live_heartbeat_s=5.0, service_numbers=f"{SERVICE_NUMBER}=fr")
    redis_server = EmbeddedRedis.for_settings(settings)
    redis_server.start()
    try:
        yield from _serve(settings)
    finally:
        redis_server.stop()


def _serve(settings: Any) -> Iterator[Site]:
    from callcenter.db import migrate

    services = build_services(settings, clock=ShiftedClock(OPEN_THURSDAY))
    try:
        migrate.upgrade(services.engine)
        open_q, overdue, agent, expert = seed(services)
        server = make_server("127.0.0.1", 0, create_app(services), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Site(f"http://127.0.0.1:{server.server_port}", services, open_q, overdue, agent, expert)
        finally:
            server.shutdown()
            thread.join(10)
    finally:
        services.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: the test command installs Debian's chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                              timeout=30_000)
        yield launched
        launched.close()


def staff_context(browser: Browser) -> BrowserContext:
    """One context per person: Chromium allows 6 connections per host and context, and streams hold one."""
    # axe-core is injected into the pages, which their Content-Security-Policy would refuse.
    context = browser.new_context(bypass_csp=True, locale="fr-BE")
    context.set_default_timeout(10_000)  # a page that does not come in 10 s is a failure, not a wait
    return context


def log_in(page: Page, site: Site, username: str) -> None:
    page.goto(f"{site.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    assert AXE_JS.exists(), f"{AXE_JS} is missing: run ./scripts/fetch-axe (the test command does)"
    page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in found["violations"]]


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
