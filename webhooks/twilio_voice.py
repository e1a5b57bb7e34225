"""Twilio-compatible voice webhooks, registered by callcenter.web: the same call lifecycle as the CTI API.

- ``POST /webhooks/twilio/voice``: an incoming call, or our wait loop's redirect (``?round=&wait=``) →
  TwiML of the route decision: ring (Dial), wait (ringing tone, Redirect) or announce (Play/Say, Hangup);
- ``POST /webhooks/twilio/dial-action?round=n``: no answer, busy or failed → the next round's TwiML;
  completed or canceled → the call ends (Hangup);
- ``POST /webhooks/twilio/status``: the call's progress (it ends) and, with ``?agent=&round=``, each
  agent's leg (ringing pops the screen, in-progress is the answer, an unanswered end ends the leg);
- ``POST /webhooks/twilio/recording``: a recording of the call, kept for the recordings pipeline.
Every request is checked against X-Twilio-Signature first (403 with the JSON envelope, nothing done);
parameters missing → 400 with the envelope. A retry (same idempotency token, or the same callback
again) is processed once: the lifecycle replays the decision it stored, hence the same TwiML.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, request

from callcenter.domain.call_events import RouteRequest
from callcenter.services.call_router import CallOver
from callcenter.web.app import services
from webhooks import media, twilio_params, twilio_signature, twiml
from webhooks.ringback import CYCLE_S
from webhooks.twiml import DIAL_ACTION_PATH, RECORDING_PATH, STATUS_PATH, VOICE_PATH, Links

bp = Blueprint("twilio_voice", __name__)
bp.register_blueprint(media.bp)


@bp.errorhandler(CallOver)
def call_over(exc: CallOver) -> Response:
    # A late redirect or dial-action of a call answered or ended meanwhile: there is nothing to ring.
    return _twiml(twiml.hangup())


@bp.post(VOICE_PATH)
def voice() -> Response:
    form, key = _signed_form()
    req = twilio_params.incoming(form, request.args, key)
    step = twilio_params.wait_step(request.args) + 1  # read before routing: a bad step changes nothing
    return _decision(services().call_lifecycle.route(req), req.round, step)


@bp.post(DIAL_ACTION_PATH)
def dial_action() -> Response:
    form, key = _signed_form()
    outcome = twilio_params.dial_outcome(form, request.args, key)
    if isinstance(outcome, RouteRequest):
        return _decision(services().call_lifecycle.route(outcome), outcome.round, 1)
    services().call_lifecycle.handle_event(outcome)
    return _twiml(twiml.hangup())


@bp.post(STATUS_PATH)
def status() -> Response:
    form, key = _signed_form()
    change = twilio_params.status_change(form, request.args, key)
    if isinstance(change, twilio_params.LegChange):
        services().provider_calls.leg_event(change.event, change.agent_id, change.round)
    elif change is not None:
        services().call_lifecycle.handle_event(change)
    return _twiml(twiml.empty())


@bp.post(RECORDING_PATH)
def recording() -> Response:
    form, key = _signed_form()
    services().provider_calls.store_recording(key, twilio_params.recording(form))
    return _twiml(twiml.empty())


def _signed_form() -> tuple[dict[str, str], str]:
    """Check the signature over the URL the provider called; return the form and the request's key."""
    query = request.query_string.decode("latin-1")
    url = twilio_signature.public_url(_base(), quote(request.path), query)
    params = {name: request.form.getlist(name) for name in request.form}
    token = services().settings.twilio_auth_token
    twilio_signature.verify(token, request.headers.get(twilio_signature.HEADER), url, params)
    form = request.form.to_dict()  # the first value of each parameter
    endpoint = request.path + (f"?{query}" if query else "")
    token_header = request.headers.get(twilio_params.IDEMPOTENCY_HEADER)
    return form, twilio_params.request_key(endpoint, form, token_header)


def _decision(decision: dict[str, Any], round_: int, step: int) -> Response:
    """Render a route decision of the lifecycle as TwiML (``step``: of the wait loop, if it waits)."""
    links, settings = Links(_base()), services().settings
    if decision["action"] == "ring" and decision["targets"]:
        return _twiml(twiml.ring(decision, links, record=settings.twilio_record_calls))
    if decision["action"] in ("ring", "wait"):  # a Dial without nouns is refused: the caller waits instead
        retry_after_s = int(decision.get("retry_after_s", settings.route_retry_s))
        tone = links.url(media.RINGBACK_PATH)
        return _twiml(twiml.wait(retry_after_s, links, tone, round_=round_, seq=step, cycle_s=CYCLE_S))
    name = media.announcement_name(decision)
    recorded = media.announcement_file(settings.data_dir, name) is not None
    media_url = links.url(f"/media/announcements/{name}.wav") if recorded else None
    return _twiml(twiml.announce(decision, media_url))


def _base() -> str:
    """Return the base URL the provider reaches us at: the public base URL (reverse proxies), else ours."""
    return services().settings.public_base_url or request.root_url


def _twiml(body: bytes) -> Response:
    return Response(body, status=200, content_type=twiml.CONTENT_TYPE)
