"""The agent's work on a call, posted by agent.js: register or link a question, note, answer, transfer, delay.

Each handler reads the form, calls one use case as the logged-in agent and answers JSON with a sentence
for the panel's status line; refusals come back as the error envelope (web/errors.py).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_time
from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from callcenter.domain.errors import InvalidInput
from callcenter.domain.identity import Role
from callcenter.services.contacts import ContactIn
from callcenter.services.question_desk import NewQuestion
from callcenter.services.questions import RegisterQuestion
from callcenter.web.app import services
from callcenter.web.auth import current_principal, require_role
from callcenter.web.i18n import current_language
from callcenter.web.staff import guard

bp = Blueprint("agent_calls", __name__, url_prefix="/agent")
guard(bp)


@bp.post("/calls/<call_id>/questions")
@require_role(Role.AGENT)
def create_question(call_id: str) -> ResponseReturnValue:
    question = services().agent_desk.register_for_call(_new_question(), call_id, _me())
    reg = question.registration_number
    return _done(gettext("Question %(reg)s registered and linked to this call.", reg=reg), reg)


@bp.post("/calls/<call_id>/link")
@require_role(Role.AGENT)
def link_call(call_id: str) -> ResponseReturnValue:
    reg = request.form.get("registration_number", "")
    question = services().questions.link_call(reg, call_id, _me())
    return _done(gettext("This call is now linked to %(reg)s.", reg=question.registration_number),
                 question.registration_number)


@bp.post("/questions/<reg_no>/notes")
@require_role(Role.AGENT)
def add_note(reg_no: str) -> ResponseReturnValue:
    services().questions.add_note(reg_no, request.form.get("text", ""), _me())
    return _done(gettext("Note added to %(reg)s.", reg=reg_no), reg_no)


@bp.post("/questions/<reg_no>/answered")
@require_role(Role.AGENT)
def mark_answered(reg_no: str) -> ResponseReturnValue:
    note = request.form.get("note") or None
    services().questions.mark_answered(reg_no, "front", _me(), note)
    return _done(gettext("%(reg)s is marked as answered by the front office.", reg=reg_no), reg_no)


@bp.get("/questions/<reg_no>/experts")
@require_role(Role.AGENT)
def experts(reg_no: str) -> ResponseReturnValue:
    candidates = services().workflows.transfer_candidates(reg_no)
    return jsonify(experts=[{"user_id": c.user_id, "name": c.display_name,
                             "available": c.availability.available_now,
                             "free_at": _time(c.availability.next_free_at)} for c in candidates])


@bp.post("/questions/<reg_no>/transfer")
@require_role(Role.AGENT)
def transfer(reg_no: str) -> ResponseReturnValue:
    expert_id = _whole_number(request.form.get("expert_id", ""), "expert_id")
    question = services().workflows.transfer(reg_no, expert_id, _me(), request.form.get("note") or None)
    return _done(gettext("%(reg)s is transferred to the expert.", reg=question.registration_number), reg_no)


@bp.post("/questions/<reg_no>/delay")
@require_role(Role.AGENT)
def delay(reg_no: str) -> ResponseReturnValue:
    day = _day(request.form.get("due_day", ""))
    services().agent_desk.delay_until(reg_no, day, request.form.get("reason", ""), _me())
    return _done(gettext("The delay notice for %(reg)s is on its way.", reg=reg_no), reg_no)


def _new_question() -> NewQuestion:
    """Read the panel's form: a caller of the screen-pop (contact_id) or a new one (contact_*)."""
    form = request.form
    contact_id = form.get("contact_id", "")
    question = RegisterQuestion(contact_id=_whole_number(contact_id, "contact_id") if contact_id else 0,
                                channel="phone", topic=form.get("topic") or None,
                                subject=form.get("subject") or None)
    if contact_id:
        return NewQuestion(question)
    number = form.get("number", "")
    phones = [number] if number.startswith("+") else []  # "anonymous" and the like are no number to keep
    contact = ContactIn(name=form.get("contact_name", ""), language=form.get("contact_language", "fr"),
                        email=form.get("contact_email") or None, phones=phones)
    return NewQuestion(question, contact)


def _done(message: str, reg: str) -> ResponseReturnValue:
    return jsonify(message=message, registration_number=reg)


def _me() -> int:
    user_id = current_principal().user_id
    assert user_id is not None  # require_role lets only logged-in users through
    return user_id


def _whole_number(raw: str, field: str) -> int:
    if not raw.strip().isdigit():
        raise InvalidInput(f"The {field} must be a whole number.", {field: "a whole number"})
    return int(raw)


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput("Give the new date as YYYY-MM-DD.", {"due_day": "a date"}) from None


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    zone = ZoneInfo(services().settings.timezone)
    return format_time(value, "short", tzinfo=zone, locale=current_language())
