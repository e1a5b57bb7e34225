"""The agent panel: the page, presence, the live stream of screen-pops, the session keep-alive, lookups.

The page is rendered once; agent.js then lives on the agent's live stream (GET /agent/events, server-sent
events resumable by Last-Event-ID) and posts the agent's actions (agent_calls.py) with the CSRF token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from callcenter.domain.contacts import Language
from callcenter.domain.errors import Conflict, NotFound
from callcenter.domain.identity import Role
from callcenter.web import agent_text as text
from callcenter.web.app import services
from callcenter.web.auth import current_principal, require_role
from callcenter.web.live import last_event_id, relay, sse_response
from callcenter.web.staff import guard, page_context

bp = Blueprint("agent", __name__, url_prefix="/agent")
guard(bp)

MIN_PING_S, MAX_PING_S = 30, 300  # ping well within the idle timeout, but not more than every 30 s


@bp.get("")
@require_role(Role.AGENT)
def panel() -> str:
    context = page_context(current_principal())
    lang = context["lang"]
    reasons = [(r["code"], r["label"]) for r in services().presence.pause_reasons(lang)]
    topics = [(t.code, t.names.get(lang) or t.code) for t in services().topics.list(active_only=True)]
    languages = text.language_names()
    return render_template("agent/panel.html", config=_config(_agent_id(), lang, dict(reasons), dict(topics)),
                           presence=_presence(dict(reasons)), phone=_phone(), pause_reasons=reasons,
                           topics=topics,
                           contact_languages=[(code.value, languages[code.value]) for code in Language],
                           **context)


@bp.post("/presence")
@require_role(Role.AGENT)
def set_presence() -> ResponseReturnValue:
    status = request.form.get("status", "")
    reason = request.form.get("reason") if status == "paused" else None
    state = services().presence.set_status(_agent_id(), status, reason)
    if request.accept_mimetypes.best != "application/json":  # the form posted without the script
        return redirect(url_for("agent.panel"))
    label = text.presence_names()[state.status]
    return jsonify(message=gettext("Your status is now: %(status)s.", status=label),
                   status=state.status.value, reason=state.reason, since=state.since.isoformat())


@bp.get("/events")
@require_role(Role.AGENT)
def events() -> ResponseReturnValue:
    agent_id = _agent_id()
    s = services()  # the stream runs after the request context: take what it needs now
    reader = s.live_feed.agent(agent_id, last_event_id())
    panels = s.panels
    settings = s.settings
    return sse_response(relay(reader, heartbeat_s=settings.live_heartbeat_s, max_s=settings.live_stream_max_s,
                              on_tick=lambda: panels.panel_seen(agent_id)))


@bp.get("/ping")
@require_role(Role.AGENT)
def ping() -> ResponseReturnValue:
    """Keep the session of an open panel alive (the login check refreshes it)."""
    return "", 204


@bp.get("/lookup")
@require_role(Role.AGENT)
def lookup() -> ResponseReturnValue:
    """Return the screen-pop of a number again, after the agent changed something about the caller."""
    return jsonify(services().screen_pop.lookup(request.args.get("number", "")))


def _agent_id() -> int:
    user_id = current_principal().user_id
    assert user_id is not None  # require_role lets only logged-in users through
    return user_id


def _presence(reasons: dict[str, str]) -> dict[str, Any]:
    """Return the agent's presence for the page; ``missing`` when the user has no agent profile yet."""
    names = text.presence_names()
    try:
        state = services().presence.get(_agent_id())
    except (NotFound, Conflict):  # no profile (phone, languages) or not an active agent
        return {"missing": True, "status": "offline", "label": names["offline"], "reason": None, "since": ""}
    return {"missing": False, "status": state.status.value, "label": names[state.status],
            "reason": state.reason, "reason_label": reasons.get(state.reason or "", ""),
            "since": state.since.isoformat()}


def _phone() -> bool | None:
    """Tell whether the agent's SIP phone is registered; None when our SIP edge is not used."""
    s = services()
    username = current_principal().username
    if not s.settings.sip_enabled or username is None:
        return None
    return bool(s.phone_registrations.status(username)["registered"])


def _config(agent_id: int, lang: str, reasons: dict[str, str], topics: dict[str, str]) -> dict[str, Any]:
    settings = services().settings
    ping_s = min(MAX_PING_S, max(MIN_PING_S, settings.session_idle_minutes * 60 // 3))
    urls = {name: url_for(endpoint, **args) for name, (endpoint, args) in _URLS.items()}
    return {"agentId": agent_id, "lang": lang, "locale": f"{lang}-BE", "timezone": settings.timezone,
            "ping_every_ms": ping_s * 1000, "urls": urls, "text": text.panel_text(),
            "pause_reasons": reasons, "topics": topics}


_URLS: dict[str, tuple[str, dict[str, str]]] = {
    "events": ("agent.events", {}),
    "ping": ("agent.ping", {}),
    "lookup": ("agent.lookup", {}),
    "login": ("staff.login_form", {}),
    "create_question": ("agent_calls.create_question", {"call_id": "__CALL__"}),
    "link_call": ("agent_calls.link_call", {"call_id": "__CALL__"}),
    "notes": ("agent_calls.add_note", {"reg_no": "__REG__"}),
    "answered": ("agent_calls.mark_answered", {"reg_no": "__REG__"}),
    "experts": ("agent_calls.experts", {"reg_no": "__REG__"}),
    "transfer": ("agent_calls.transfer", {"reg_no": "__REG__"}),
    "delay": ("agent_calls.delay", {"reg_no": "__REG__"}),
}
