"""GET /healthz: the health of the database, Redis, workers, scheduler and ffmpeg, as JSON."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from callcenter.web.app import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    status, body = services().health.report()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, status
