"""The public status page in Debian's Chromium against `callcenter web`: keyboard only, and axe-core clean.

The app runs as the real web process (gunicorn) on a free port of 127.0.0.1, on a seeded SQLite file and
the test Redis. axe-core comes from ./scripts/fetch-axe, which the test command runs first.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

import callcenter
from tests.conftest import REDIS_URL
from tests.loopback_ports import free_port

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.slow]

REPO = Path(callcenter.__file__).resolve().parents[1]
AXE_JS = REPO / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = REPO / "test-artifacts" / "status-page"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
EMAIL = "anne.peeters@example.be"
LANGS = ("fr", "nl", "de", "en")


@dataclass(frozen=True)
class Site:
    url: str
    reg_no: str


def _seed(env: dict[str, str]) -> str:
    """Migrate the SQLite file and register one question of Anne Peeters; return its number."""
    from callcenter.bootstrap import build_services
    from callcenter.db import migrate
    from callcenter.services.contacts import ContactIn
    from callcenter.services.questions import RegisterQuestion
    from callcenter.settings import load_settings

    services = build_services(load_settings(env))
    try:
        migrate.upgrade(services.engine)
        contact = services.contacts.create(ContactIn("Anne Peeters", ("0471 12 34 56",), EMAIL, "nl"))
        question = services.questions.register(
            RegisterQuestion(contact_id=contact.id, channel="phone", subject="Revenu d'intégration"), by=3)
        return question.registration_number
    finally:
        services.close()


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"callcenter web exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/status", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise AssertionError(f"callcenter web did not answer in 30 s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """`callcenter web` on a free port, a seeded SQLite file and the test Redis; stopped at the end."""
    data = tmp_path_factory.mktemp("status-page")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCENTER_")}
    env.update(CALLCENTER_DATA_DIR=str(data / "var"), CALLCENTER_DATABASE_URL=f"sqlite:///{data / 'cc.db'}",
               CALLCENTER_REDIS_URL=REDIS_URL, CALLCENTER_WEB_THREADS="8", CALLCENTER_LOG_LEVEL="WARNING",
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    reg_no = _seed(env)
    port, log = free_port(), data / "web.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "callcenter.cli", "web", "--host", "127.0.0.1",
                                    "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   cwd=data)
    try:
        _wait_until_serving(f"http://127.0.0.1:{port}", process, log)
        yield Site(f"http://127.0.0.1:{port}", reg_no)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: the test command installs Debian's chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                              timeout=30_000)
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(redis_url: str) -> None:
    """Each test starts with no lookups counted (the redis_url fixture flushes the test database)."""


def _context(browser: Browser, **options: Any) -> BrowserContext:
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)  # a page that does not come in 10 s is a failure, not a wait
    return context


def _focused(page: Page) -> dict[str, Any]:
    return dict(page.evaluate("() => ({id: document.activeElement.id, tag: document.activeElement.tagName,"
                              " text: document.activeElement.textContent.trim()})"))


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _keyboard_lookup(page: Page, number: str, factor: str) -> None:
    """Skip link, then Tab to each field, type, and Enter: no mouse."""
    page.keyboard.press("Tab")
    assert _focused(page)["tag"] == "A"  # the skip link comes first
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "registration_number"
    page.keyboard.type(number)
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "second_factor"
    page.keyboard.type(factor)
    _send_with_enter(page)


def _send_with_enter(page: Page) -> None:
    """Send the form with Enter and wait for the answer page's focus."""
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Every answer page has an autofocus element; the browser moves the focus to it when it next renders,
    # which can come a moment after the load event: wait for that (the callers check where it went).
    page.wait_for_function("() => document.activeElement !== document.body", timeout=5000)


def test_a_citizen_finds_their_question_with_the_keyboard_in_french(browser: Browser, site: Site) -> None:
    context = _context(browser, locale="fr-BE")
    page = context.new_page()
    page.goto(f"{site.url}/status")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Aller au contenu principal"
    page.keyboard.press("Shift+Tab")
    _keyboard_lookup(page, site.reg_no, EMAIL)
    focused = _focused(page)
    assert focused["id"] == "result-heading" and focused["text"] == "Statut de votre question"
    assert "Enregistrée" in page.inner_text("main")
    _shot(page, "fr-result")
    context.close()


def test_a_citizen_corrects_a_typo_with_the_keyboard_in_dutch(browser: Browser, site: Site) -> None:
    context = _context(browser, locale="nl-BE")  # Accept-Language: nl-BE
    page = context.new_page()
    page.goto(f"{site.url}/status")
    assert page.locator("html").get_attribute("lang") == "nl"
    typo = site.reg_no[:-1] + str((int(site.reg_no[-1]) + 1) % 10)
    _keyboard_lookup(page, typo, "0471/12.34.56")
    assert _focused(page) == {"id": "error-summary-title", "tag": "H2", "text": "Er is een probleem"}
    _shot(page, "nl-typo")
    page.keyboard.press("Tab")
    assert "tikfout" in _focused(page)["text"]  # the summary's link to the field
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # from the field the link points at, on to the next one
    assert _focused(page)["id"] == "second_factor"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type(site.reg_no)
    _send_with_enter(page)
    assert _focused(page) == {"id": "result-heading", "tag": "H1", "text": "Status van uw vraag"}
    assert "Geregistreerd" in page.inner_text("main")
    _shot(page, "nl-result")
    context.close()


def _axe_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in found["violations"]]


def _submit(page: Page, form_url: str, number: str, factor: str) -> None:
    page.goto(form_url)
    page.fill("#registration_number", number)
    page.fill("#second_factor", factor)
    with page.expect_navigation():
        page.click("button[type=submit]")


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_passes_axe_core_in_each_language(browser: Browser, site: Site, lang: str) -> None:
    assert AXE_JS.exists(), f"{AXE_JS} is missing: run ./scripts/fetch-axe (the test command does)"
    context = _context(browser, bypass_csp=True)  # the page's CSP would refuse the injected axe script
    page = context.new_page()
    form = f"{site.url}/status?lang={lang}"
    pages = {
        "form": lambda: page.goto(form),
        "result": lambda: _submit(page, form, site.reg_no, EMAIL),
        "not-found": lambda: _submit(page, form, site.reg_no, "someone.else@example.be"),
        "errors": lambda: _submit(page, form, "12", "nobody"),
    }
    for name, show in pages.items():
        show()
        assert page.locator("html").get_attribute("lang") == lang
        _shot(page, f"{lang}-{name}")
        assert _axe_violations(page) == [], f"{lang} {name} page"
    context.close()
