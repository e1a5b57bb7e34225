"""REST API for calls: a recorded call by its telephony id."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from callcenter.services.crm_views import call_dict
from callcenter.web.api_operations import Operation, operation
from callcenter.web.app import services

bp = Blueprint("api_calls", __name__, url_prefix="/api/v1")


@bp.get("/calls/<call_id>")
@operation(Operation("Read a recorded call", "Calls", {200: "Call"}, ("calls:read",)))
def read(call_id: str) -> Response:
    return jsonify(call_dict(services().calls.get(call_id)))
