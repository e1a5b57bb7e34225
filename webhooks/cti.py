"""The generic CTI API that telephony calls into (our SIP edge, any PBX), registered by callcenter.web.

- ``POST /cti/v1/route``  ``{call_id, request_id, from, to, round[, test, max_targets]}`` → ring / wait /
  announce
- ``POST /cti/v1/events`` ``{event_id, event: newCall|ringing|answer|hangup, call_id, …}``
  Both are signed (``X-Callcenter-Signature``, see webhooks.signatures) and follow the JSON Schemas of
  webhooks/schemas; unsigned, stale or wrongly signed requests get 401 with the error envelope.
- ``POST /cti/v1/zammad/<token>``: Zammad's generic CTI (form-encoded), authenticated by an API token
  with the scope ``cti:zammad`` in the URL (``callcenter tokens create --scope cti:zammad``; revocable).
Handlers parse, call one use case (services.call_lifecycle) and return its answer.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from callcenter.domain.errors import InvalidInput
from callcenter.domain.identity import Forbidden
from callcenter.web.app import services
from webhooks import cti_payloads, signatures

ZAMMAD_SCOPE = "cti:zammad"

bp = Blueprint("cti", __name__, url_prefix="/cti/v1")


@bp.errorhandler(signatures.SignatureRejected)
def rejected(exc: signatures.SignatureRejected) -> tuple[Response, int]:
    # Not a bearer scheme: answer 401 without the WWW-Authenticate: Bearer of the rest of the API.
    return jsonify({"error": exc.code, "message": exc.message}), 401


@bp.post("/route")
def route() -> Response:
    body = signed_json()
    return jsonify(services().call_lifecycle.route(cti_payloads.route_request(body)))


@bp.post("/events")
def events() -> Response:
    body = signed_json()
    return jsonify(services().call_lifecycle.handle_event(cti_payloads.call_event(body)))


@bp.post("/zammad/<token>")
def zammad(token: str) -> Response:
    principal = services().identity.verify_token(token)
    if not principal.has_scope(ZAMMAD_SCOPE):
        raise Forbidden(f"This token lacks the scope {ZAMMAD_SCOPE!r}.", {"scope": ZAMMAD_SCOPE})
    form = {name: value for name, value in request.form.items()}
    event = cti_payloads.zammad_event(form, f"t{principal.token_id}")
    return jsonify(services().call_lifecycle.handle_event(event))


def signed_json() -> dict[str, Any]:
    """Check the signature over the raw body, then read it as a JSON object."""
    raw = request.get_data(cache=True)
    s = services()
    signatures.verify(signatures.cti_secret(s.settings), request.headers.get(signatures.HEADER), raw,
                      s.clock.now().timestamp())
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise InvalidInput("The body is not a JSON object.", {"body": "a JSON object"})
    return body
