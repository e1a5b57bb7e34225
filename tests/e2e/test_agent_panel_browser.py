"""The agent panel and the supervision page in Debian's Chromium, driven through the signed CTI API.

Login, available, a call pops the caller's history, the agent links the call to a question and transfers
it, the call ends in wrap-up, the agent is available again; the supervisor sees it all; axe-core finds
nothing on any page. One browser context per person (the agent, the supervisor).
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from callcenter.domain.questions import Status
from callcenter.services.calls import FinishedCall
from callcenter.services.contacts import ContactIn
from tests.e2e import panel_site
from tests.e2e.panel_site import CALLER, SERVICE_NUMBER, Site, axe_violations, log_in, shot, staff_context

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.slow]
site, browser = panel_site.site, panel_site.browser  # fixtures


def event(site: Site, kind: str, call_id: str, **fields: str) -> dict[str, object]:
    return site.cti().event({"event_id": uuid.uuid4().hex, "event": kind, "call_id": call_id, **fields})


def presence_of(page: Page, status: str) -> None:
    expect(page.locator("#presence-status")).to_have_attribute("data-status", status)


def available_panel(browser: Browser, site: Site) -> tuple[BrowserContext, Page]:
    """Anna's panel in a browser context of its own, logged in, its live stream open, available."""
    context = staff_context(browser)
    panel = context.new_page()
    log_in(panel, site, "anna")
    expect(panel.locator("#live-state")).to_have_attribute("data-state", "open")
    panel.click("#presence-form button[value=available]")
    presence_of(panel, "available")
    return context, panel


def agent_row(board: Page) -> object:
    return board.locator("#agents-rows tr", has_text="Anna Lambert")


def test_a_call_pops_the_history_then_is_linked_transferred_and_wrapped_up(browser: Browser,
                                                                           site: Site) -> None:
    agent_context, board_context = staff_context(browser), staff_context(browser)
    panel, board = agent_context.new_page(), board_context.new_page()
    board.goto(f"{site.url}/login")
    assert axe_violations(board) == []
    log_in(board, site, "sam")
    expect(board.locator("#live-state")).to_have_attribute("data-state", "open")
    assert board.locator("html").get_attribute("lang") == "nl"

    log_in(panel, site, "anna")
    expect(panel.locator("#live-state")).to_have_attribute("data-state", "open")
    assert axe_violations(panel) == []
    panel.focus("#presence-form button[value=available]")
    panel.keyboard.press("Enter")  # keyboard operable
    presence_of(panel, "available")
    expect(agent_row(board).locator(".status-cell")).to_have_attribute("data-status", "available")

    call_id = f"e2e-{uuid.uuid4().hex[:8]}"
    event(site, "newCall", call_id, **{"from": CALLER, "to": SERVICE_NUMBER})
    decision = site.cti().route(call_id, uuid.uuid4().hex, CALLER, SERVICE_NUMBER)
    assert decision["action"] == "ring" and [t["agent"] for t in decision["targets"]] == ["anna"]

    callers = panel.locator("#callers")
    expect(callers).to_contain_text(site.open_question, timeout=2_000)
    expect(panel.locator("#announcer")).to_have_text("Appel entrant : Anne Peeters")
    expect(panel.locator("#call-state")).to_have_attribute("data-phase", "ringing")
    overdue = callers.locator("tr", has_text=site.overdue_question).locator(".deadline")
    expect(overdue).to_have_class(re.compile("deadline--overdue"))
    expect(overdue).to_contain_text("En retard")  # said in words, not only in red
    expect(callers.locator("tr", has_text=site.open_question)).to_contain_text("Encore 2 jours ouvrables")
    expect(board.locator("#waiting-rows")).to_contain_text("0471 12 34 56")

    event(site, "ringing", call_id, agent="anna")
    event(site, "answer", call_id, agent="anna")
    expect(panel.locator("#call-state")).to_have_attribute("data-phase", "on_call")
    presence_of(panel, "on_call")
    expect(agent_row(board).locator(".status-cell")).to_have_attribute("data-status", "on_call")
    assert axe_violations(panel) == []
    shot(panel, "pop-on-call")

    row = callers.locator("tr", has_text=site.open_question)
    row.get_by_role("button", name=f"Lier cet appel {site.open_question}").click()
    expect(panel.locator("#action-result")).to_contain_text("lié")
    row.get_by_role("button", name=f"Traiter {site.open_question}").click()
    expect(panel.locator("#tools-title")).to_have_text(f"Question {site.open_question}")
    expect(panel.locator("#transfer-expert option")).to_have_text(["Erik Claes (disponible maintenant)"])
    panel.fill("#transfer-note", "Cas d'étudiant, à vérifier")
    panel.get_by_role("button", name="Transférer à l'expert").click()
    expect(panel.locator("#action-result")).to_contain_text("transférée")
    expect(callers.locator("tr", has_text=site.open_question)).to_contain_text("Transférée")

    event(site, "hangup", call_id, cause="normalClearing")
    expect(panel.locator("#call-state")).to_have_attribute("data-phase", "ended")
    presence_of(panel, "wrap_up")
    expect(agent_row(board).locator(".status-cell")).to_have_attribute("data-status", "wrap_up")
    expect(board.locator("#figure-answered")).to_have_text("1")
    expect(board.locator("#figure-in-time")).to_have_text(re.compile(r"^100\s?%$"))
    assert axe_violations(board) == []
    shot(board, "supervision")

    panel.click("#presence-form button[value=available]")
    presence_of(panel, "available")
    expect(agent_row(board).locator(".status-cell")).to_have_attribute("data-status", "available")

    question = site.services.questions.get(site.open_question)
    assert (question.status, question.owner_user_id) == (Status.TRANSFERRED, site.expert_id)
    assert site.services.calls.get(call_id).question_registration_number == site.open_question
    agent_context.close()
    board_context.close()


def test_a_pop_published_while_the_panel_was_away_is_shown_on_return(browser: Browser, site: Site) -> None:
    context, panel = available_panel(browser, site)
    panel.goto("about:blank")  # the panel is closed for a moment (a reload, a network cut)

    call_id = f"e2e-{uuid.uuid4().hex[:8]}"
    event(site, "newCall", call_id, **{"from": CALLER, "to": SERVICE_NUMBER})
    assert site.cti().route(call_id, uuid.uuid4().hex, CALLER, SERVICE_NUMBER)["action"] == "ring"

    panel.goto(f"{site.url}/agent")  # the same tab: the panel resumes its stream after the last event it saw
    expect(panel.locator("#callers")).to_contain_text(site.open_question)
    expect(panel.locator("#call-state")).to_have_attribute("data-phase", "ringing")
    event(site, "hangup", call_id, cause="cancel")
    expect(panel.locator("#call-state")).to_have_attribute("data-phase", "gone")
    panel.click("#dismiss-call")
    expect(panel.locator("#call-empty")).to_be_visible()
    context.close()


def test_the_panel_keeps_the_newest_presence_when_news_of_an_older_change_comes_late(browser: Browser,
                                                                                     site: Site) -> None:
    # A new call's route tells its agents "ringing" once its answer is sent: an agent who paused in the
    # meantime gets that news after their pause, and must not be shown ringing.
    context, panel = available_panel(browser, site)
    shown = site.services.presence.get(site.agent_id)
    view = {"agent_id": site.agent_id, "username": "anna", "display_name": "Anna Lambert",
            "languages": ["fr"], "reason": None, "until": None, "call_id": None}
    stale = site.services.live.to_agent(site.agent_id, "presence", {
        **view, "status": "ringing", "since": (shown.since - timedelta(seconds=1)).isoformat()})
    seen = f"JSON.parse(sessionStorage.getItem('callcenter.panel.{site.agent_id}')).lastEventId"
    panel.wait_for_function(f"{seen} === {stale!r}")  # the panel has taken the stale news in
    presence_of(panel, "available")
    site.services.live.to_agent(site.agent_id, "presence", {
        **view, "status": "on_call", "since": (shown.since + timedelta(seconds=1)).isoformat()})
    presence_of(panel, "on_call")  # news of a later change is shown
    context.close()


def test_an_unknown_caller_is_registered_with_their_question_from_the_pop(browser: Browser,
                                                                          site: Site) -> None:
    context, panel = available_panel(browser, site)

    call_id, stranger = f"e2e-{uuid.uuid4().hex[:8]}", "+32478556677"
    event(site, "newCall", call_id, **{"from": stranger, "to": SERVICE_NUMBER})
    assert site.cti().route(call_id, uuid.uuid4().hex, stranger, SERVICE_NUMBER)["action"] == "ring"
    expect(panel.locator("#announcer")).to_have_text("Appel entrant : Numéro inconnu")
    expect(panel.locator("#callers")).to_contain_text("Numéro inconnu")
    expect(panel.locator("#nq-new-caller")).to_be_visible()  # nobody to choose: a new caller it is
    panel.fill("#nq-name", "Luc Martin")
    panel.select_option("#nq-topic", "ris")
    panel.fill("#nq-subject", "Première demande")
    panel.get_by_role("button", name="Enregistrer la question").click()
    expect(panel.locator("#action-result")).to_contain_text("enregistrée et liée à cet appel")
    expect(panel.locator("#callers")).to_contain_text("Luc Martin")
    number = site.services.calls.get(call_id).question_registration_number
    assert number is not None
    expect(panel.locator("#tools-title")).to_have_text(f"Question {number}")
    assert axe_violations(panel) == []
    shot(panel, "new-caller")
    event(site, "hangup", call_id, cause="cancel")
    context.close()


def test_the_call_s_answer_and_end_leave_what_the_agent_chose_and_typed_in_the_new_question(
        browser: Browser, site: Site) -> None:
    context, panel = available_panel(browser, site)
    call_id = f"e2e-{uuid.uuid4().hex[:8]}"
    assert site.cti().route(call_id, uuid.uuid4().hex, CALLER, SERVICE_NUMBER)["action"] == "ring"
    expect(panel.locator("#callers")).to_contain_text(site.open_question)
    # The caller says they call for someone else: a new caller, who speaks Dutch.
    panel.select_option("#nq-contact", "")
    expect(panel.locator("#nq-new-caller")).to_be_visible()
    panel.fill("#nq-name", "Marc Dubois")
    panel.select_option("#nq-language", "nl")
    panel.fill("#nq-subject", "Pour son père")
    panel.focus("#nq-subject")
    for kind, phase, fields in (("answer", "on_call", {"agent": "anna"}),
                                ("hangup", "ended", {"cause": "normalClearing"})):
        event(site, kind, call_id, **fields)
        expect(panel.locator("#call-state")).to_have_attribute("data-phase", phase)
        expect(panel.locator("#nq-contact")).to_have_value("")
        expect(panel.locator("#nq-new-caller")).to_be_visible()
        expect(panel.locator("#nq-name")).to_have_value("Marc Dubois")
        expect(panel.locator("#nq-language")).to_have_value("nl")
        expect(panel.locator("#nq-subject")).to_be_focused()
        expect(panel.locator("#callers")).to_contain_text(site.open_question)
    context.close()


def test_a_call_from_a_switchboard_pops_the_calls_from_it_not_each_officers(browser: Browser,
                                                                           site: Site) -> None:
    switchboard, services = "+3281337011", site.services
    cpas = services.contacts.create_organisation("CPAS de Namur", switchboard)
    services.contacts.create(ContactIn("Luc Dubois", ("0472 11 22 33",), None, "fr", cpas.id))
    earlier = services.clock.now() - timedelta(days=1)
    services.calls.record_finished(FinishedCall("e2e-earlier", switchboard, SERVICE_NUMBER, "inbound",
                                                earlier, earlier + timedelta(minutes=4), outcome="answered"))
    context, panel = available_panel(browser, site)

    call_id = f"e2e-{uuid.uuid4().hex[:8]}"
    event(site, "newCall", call_id, **{"from": switchboard, "to": SERVICE_NUMBER})
    assert site.cti().route(call_id, uuid.uuid4().hex, switchboard, SERVICE_NUMBER)["action"] == "ring"
    callers = panel.locator("#callers")
    expect(callers).to_contain_text("Standard de CPAS de Namur")
    from_number = callers.locator(".number-calls")
    expect(from_number.locator("h3")).to_have_text("Derniers appels depuis ce numéro")
    expect(from_number.locator("li")).to_have_count(1)  # the earlier call, not the one ringing
    expect(from_number.locator("li")).to_contain_text("Entrant")
    card = callers.locator("article.caller", has_text="Luc Dubois")
    expect(card.locator("h4")).to_have_text(["Questions ouvertes"])  # the officer's own calls are not read
    assert axe_violations(panel) == []
    shot(panel, "switchboard-pop")
    event(site, "hangup", call_id, cause="cancel")
    context.close()


def test_each_pop_is_announced_once_a_new_message_at_once_the_same_one_cleared_first(browser: Browser,
                                                                                     site: Site) -> None:
    context, panel = available_panel(browser, site)
    panel.evaluate("""() => {
      window.__said = [];  // the announcer's text after each change
      window.__said_when_drawn = [];  // its text when the caller's history was drawn
      const region = document.getElementById('announcer');
      new MutationObserver(() => window.__said.push(region.textContent))
        .observe(region, {childList: true, characterData: true, subtree: true});
      new MutationObserver(() => window.__said_when_drawn.push(region.textContent))
        .observe(document.getElementById('callers'), {childList: true});
    }""")
    said = "Appel entrant : Anne Peeters"
    first, second = (f"e2e-{uuid.uuid4().hex[:8]}" for _ in range(2))
    assert site.cti().route(first, uuid.uuid4().hex, CALLER, SERVICE_NUMBER)["action"] == "ring"
    expect(panel.locator("#announcer")).to_have_text(said)
    assert panel.evaluate("window.__said") == [said]
    assert panel.evaluate("window.__said_when_drawn") == [said]  # in the same task: one frame draws both
    event(site, "hangup", first, cause="cancel")
    expect(panel.locator("#call-state")).to_have_attribute("data-phase", "gone")
    # The same caller again: the same words, which a screen reader only reads out if they change.
    assert site.cti().route(second, uuid.uuid4().hex, CALLER, SERVICE_NUMBER)["action"] == "ring"
    expect(panel.locator("#callers")).to_contain_text(site.open_question)
    panel.wait_for_function("window.__said.length >= 3")
    assert panel.evaluate("window.__said") == [said, "", said]
    event(site, "hangup", second, cause="cancel")
    context.close()
