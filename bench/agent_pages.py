"""Agents' panels in Debian's Chromium for the screen-pop bench: one browser context per agent, logged in.

Each page records when each registration number first appears among the caller's questions
(``#callers .reg``): a MutationObserver installed before the panel's own script runs notes
``performance.timeOrigin + performance.now()`` (milliseconds since the epoch) in ``window.__seen``.
It also notes when each screen-pop event reached the page, with its stream entry id, whose first part
is when Redis took the event (milliseconds, the same machine's clock): the latency splits into the
route until the pop is published, its delivery to the page, and the page's own work.
That clock is compared with this process's ``time.time()`` once per page (``offset_ms``), so a pop's
latency is the time from sending the route request to the number being in that page's DOM.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from playwright.sync_api import Browser, Page, sync_playwright

from bench.front_office import PASSWORD

CHROMIUM = "/usr/bin/chromium"
# Twin of tests/e2e/panel_site.py: without the background-networking flags Chromium keeps trying the network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WATCH_REGISTRATION_NUMBERS = """
window.__seen = {};
window.__pops = [];  // [stream entry id's milliseconds (when Redis took the pop), when the page got it]
const addListener = EventSource.prototype.addEventListener;
EventSource.prototype.addEventListener = function (type, listener, options) {
  if (type !== 'screen_pop') return addListener.call(this, type, listener, options);
  return addListener.call(this, type, function (event) {
    window.__pops.push([parseInt(event.lastEventId, 10), performance.timeOrigin + performance.now()]);
    return listener.call(this, event);
  }, options);
};
window.__waiting = {};  // registration number -> resolvers of the bench's waits for it
new MutationObserver(() => {
  for (const node of document.querySelectorAll('#callers .reg')) {
    const reg = node.textContent.trim();
    if (!(reg in window.__seen)) {
      window.__seen[reg] = performance.timeOrigin + performance.now();
      for (const resolve of window.__waiting[reg] || []) resolve(window.__seen[reg]);
      delete window.__waiting[reg];
    }
  }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""
# Resolved by the observer when the number appears (or with null after the timeout): the bench waits
# without polling the page, which would take CPU from the delivery it measures.
SEEN = """([reg, timeoutMs]) => window.__seen[reg] || new Promise(resolve => {
  (window.__waiting[reg] = window.__waiting[reg] || []).push(resolve);
  setTimeout(() => resolve(window.__seen[reg] || null), timeoutMs);
})"""
FIRST_POP_AFTER = "t => window.__pops.find(pop => pop[1] >= t) || null"
NOW = "() => performance.timeOrigin + performance.now()"


@dataclass
class AgentPage:
    username: str
    page: Page
    offset_ms: float = 0.0  # the page's clock minus ours
    offset_error_ms: float = 0.0  # half the round trip the offset was measured in

    def seen_at(self, registration_number: str, timeout_s: float) -> float | None:
        """Wait for the number in the page's DOM; return when it appeared, on our clock (ms since epoch)."""
        seen = self.page.evaluate(SEEN, [registration_number, timeout_s * 1000])
        return None if seen is None else float(seen) - self.offset_ms

    def pop_after(self, sent_ms: float) -> tuple[float, float] | None:
        """Return (when Redis took it, when the page got it) of the first pop after ``sent_ms``, our clock."""
        found = self.page.evaluate(FIRST_POP_AFTER, sent_ms + self.offset_ms)
        return (float(found[0]), float(found[1]) - self.offset_ms) if found else None

    def measure_offset(self, tries: int = 5) -> None:
        """Compare the page's clock with ours, keeping the exchange that took the least time."""
        best: tuple[float, float] | None = None
        for _ in range(tries):
            before = time.time() * 1000
            page_now = float(self.page.evaluate(NOW))
            after = time.time() * 1000
            if best is None or (after - before) / 2 < best[1]:
                best = (page_now - (before + after) / 2, (after - before) / 2)
        assert best is not None
        self.offset_ms, self.offset_error_ms = best


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                             timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


def open_panel(browser: Browser, url: str, username: str) -> AgentPage:
    """Log the agent in, in a context of their own, make them available and watch their page."""
    # One context per agent: Chromium allows 6 connections per host and context, and a stream holds one.
    context = browser.new_context(locale="fr-BE")
    context.set_default_timeout(30_000)
    context.add_init_script(WATCH_REGISTRATION_NUMBERS)
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_selector("#live-state[data-state=open]")
    page.click("#presence-form button[value=available]")
    page.wait_for_selector("#presence-status[data-status=available]")
    agent = AgentPage(username, page)
    agent.measure_offset()
    return agent


def visible_pages(agents: list[AgentPage]) -> int:
    """Count the pages the browser renders as visible (a hidden page could be throttled)."""
    return sum(a.page.evaluate("() => document.visibilityState") == "visible" for a in agents)
