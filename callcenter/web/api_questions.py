"""REST API for questions: register from any channel, read with history, list, edit, record, move along,
transfer to the back office and announce a delay.

Registration numbers in paths may be typed with spaces, dashes or dots; a number whose check digits
do not match answers 422 ``mistyped-registration-number``, a well-formed unknown one 404.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, jsonify, url_for

from callcenter.domain.calendar import office_zone
from callcenter.domain.questions import Status
from callcenter.services.question_lists import MAX_LIMIT
from callcenter.services.sla_views import candidate_dict
from callcenter.web.api_operations import (
    Operation,
    Param,
    acting,
    body,
    instant,
    operation,
    query,
    require_also,
)
from callcenter.web.api_views import delay_notice_out, question_detail_out, question_out, question_page_out
from callcenter.web.app import services
from callcenter.web.question_commands import event_in, new_question, question_edit, question_query

bp = Blueprint("api_questions", __name__, url_prefix="/api/v1")

TAG = "Questions"
READ = ("questions:read",)
WRITE = ("questions:write",)
FREQUENT_PERIOD = timedelta(days=30)


@bp.post("/questions")
@operation(Operation("Register a question", TAG, {201: "Question"}, WRITE, body="NewQuestion",
                     errors=(422,), description="With an inline `contact`, the token also needs "
                     "contacts:write; the contact and the question are stored together or not at all."))
def register() -> tuple[Response, int, dict[str, str]]:
    data = body()
    if "contact" in data:
        require_also("contacts:write")
    question = services().question_desk.register(new_question(data), by=acting())
    location = url_for("api_questions.read", reg_no=question.registration_number)
    return jsonify(question_out(question, services().clock.now())), 201, {"Location": location}


@bp.get("/questions")
@operation(Operation("List questions, soonest due first", TAG, {200: "QuestionPage"}, READ, query=(
    Param("status", {"type": "array", "items": {"enum": [s.value for s in Status]}},
          "Comma-separated statuses, e.g. registered,in_progress."),
    Param("owner", {"type": "string", "pattern": r"^([1-9]\d*|me|none)$"},
          "A user id, `me` (the token's user) or `none` (nobody's)."),
    Param("overdue", {"type": "boolean"}, "true: open and past due; false: all others."),
    Param("contact_id", {"type": "integer", "minimum": 1}, "The contact who asked."),
    Param("cursor", {"type": "string", "maxLength": 200}, "The next_cursor of the previous page."),
    Param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, "Page size (default 50)."),
)))
def index() -> Response:
    page = services().question_lists.page(question_query(query()))
    return jsonify(question_page_out(page, services().clock.now()))


@bp.get("/questions/frequent-subjects")
@operation(Operation("Topics without a FAQ asked often", TAG, {200: "FrequentSubjects"}, READ, query=(
    Param("since", {"type": "string"}, "ISO 8601 date-time; without an offset, office time. "
          "Default: 30 days before `until`."),
    Param("until", {"type": "string"}, "ISO 8601 date-time, excluded. Default: now."),
    Param("min_count", {"type": "integer", "minimum": 1}, "Least number of questions (default 5)."),
)))
def frequent_subjects() -> Response:
    args, calendar = query(), services().calendar
    until = calendar.parse_datetime(args["until"], "until") if "until" in args else services().clock.now()
    since = calendar.parse_datetime(args["since"], "since") if "since" in args else until - FREQUENT_PERIOD
    found = services().questions.frequent_subjects(since, until, args.get("min_count", 5))
    return jsonify({"items": found})


@bp.get("/questions/<reg_no>")
@operation(Operation("Read a question with its history", TAG, {200: "QuestionDetail"}, READ, errors=(422,)))
def read(reg_no: str) -> Response:
    detail = services().question_desk.detail(reg_no)
    return jsonify(question_detail_out(detail, services().clock.now()))


@bp.patch("/questions/<reg_no>")
@operation(Operation("Change the subject, owner or track", TAG, {200: "Question"}, WRITE,
                     body="QuestionPatch", errors=(409, 422)))
def edit(reg_no: str) -> Response:
    question = services().question_desk.edit(reg_no, question_edit(body()), by=acting())
    return jsonify(question_out(question, services().clock.now()))


@bp.post("/questions/<reg_no>/events")
@operation(Operation("Add a note, reminder, call link or FAQ flag", TAG, {201: "QuestionDetail"}, WRITE,
                     body="NewEvent", errors=(409, 422)))
def record(reg_no: str) -> tuple[Response, int]:
    detail = services().question_desk.record(reg_no, event_in(body()), by=acting())
    return jsonify(question_detail_out(detail, services().clock.now())), 201


@bp.post("/questions/<reg_no>/status")
@operation(Operation("Move a question to another status", TAG, {200: "Question"}, WRITE,
                     body="StatusChange", errors=(409, 422)))
def change_status(reg_no: str) -> Response:
    data = body()
    question = services().questions.transition(reg_no, data["status"], acting(), data.get("note"),
                                               tier=data.get("tier"))
    return jsonify(question_out(question, services().clock.now()))


@bp.post("/questions/<reg_no>/answer")
@operation(Operation("Record that a question was answered", TAG, {200: "Question"}, WRITE, body="Answer",
                     errors=(409, 422)))
def answer(reg_no: str) -> Response:
    data = body()
    question = services().questions.mark_answered(reg_no, data["tier"], acting(), data.get("note"))
    return jsonify(question_out(question, services().clock.now()))


@bp.post("/questions/<reg_no>/close")
@operation(Operation("Close an answered question", TAG, {200: "Question"}, WRITE, body="Close",
                     body_required=False, errors=(409, 422)))
def close(reg_no: str) -> Response:
    question = services().questions.close(reg_no, acting(), body().get("note"))
    return jsonify(question_out(question, services().clock.now()))


@bp.get("/questions/<reg_no>/transfer-candidates")
@operation(Operation("Experts who could take the question now or later today", TAG,
                     {200: "TransferCandidates"}, READ, errors=(409, 422), query=(
                         Param("at", {"type": "string"}, "ISO 8601 date-time; without an offset, office "
                               "time. Default: now."),)))
def transfer_candidates(reg_no: str) -> Response:
    args = query()
    at = services().calendar.parse_datetime(args["at"], "at") if "at" in args else None
    experts = services().workflows.transfer_candidates(reg_no, at)
    zone = office_zone(services().settings.timezone)
    return jsonify({"items": [candidate_dict(expert, zone) for expert in experts]})


@bp.post("/questions/<reg_no>/transfer")
@operation(Operation("Transfer a question to an expert of the back office", TAG, {200: "Question"}, WRITE,
                     body="Transfer", errors=(409, 422)))
def transfer(reg_no: str) -> Response:
    data = body()
    question = services().workflows.transfer(reg_no, data["expert_user_id"], acting(), data.get("note"),
                                             force=data.get("force", False))
    return jsonify(question_out(question, services().clock.now()))


@bp.post("/questions/<reg_no>/delay-notice")
@operation(Operation("Tell the citizen the answer comes later", TAG, {201: "DelayNoticeResult"}, WRITE,
                     body="DelayNoticeRequest", errors=(409, 422)))
def delay_notice(reg_no: str) -> tuple[Response, int]:
    data = body()
    result = services().workflows.notify_delay(reg_no, instant(data["due"], "due"), data["reason"], acting())
    return jsonify(delay_notice_out(result, services().clock.now())), 201
