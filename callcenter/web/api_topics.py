"""REST API for topics: the list questions are filed under; the coordinator or an admin adds to it."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from callcenter.domain.identity import Forbidden, Role
from callcenter.services.crm_views import topic_dict
from callcenter.services.topics import TopicIn
from callcenter.web.api_operations import Operation, Param, body, operation, query
from callcenter.web.api_views import topics_out
from callcenter.web.app import services
from callcenter.web.auth import current_principal

bp = Blueprint("api_topics", __name__, url_prefix="/api/v1")

TAG = "Topics"


@bp.get("/topics")
@operation(Operation("List topics by code", TAG, {200: "TopicList"}, ("questions:read",),
                     query=(Param("active", {"type": "boolean"}, "true: only the active topics."),)))
def index() -> Response:
    return jsonify(topics_out(services().topics.list(active_only=query().get("active", False))))


@bp.post("/topics")
@operation(Operation("Add a topic", TAG, {201: "Topic"}, ("questions:write",), body="NewTopic",
                     errors=(409,), description="For the coordinator, or a principal with the admin scope."))
def create() -> tuple[Response, int]:
    _require_coordinator_or_admin()
    data = body()
    topic = services().topics.create(TopicIn(data["code"], data["names"], data.get("active", True),
                                             data.get("faq_reference")))
    return jsonify(topic_dict(topic)), 201


def _require_coordinator_or_admin() -> None:
    principal = current_principal()
    if not (principal.has_scope("admin") or Role.COORDINATOR in principal.roles):
        raise Forbidden("Only the coordinator or an administrator adds topics.", {"scope": "admin"})
