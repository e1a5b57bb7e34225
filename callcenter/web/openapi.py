"""The OpenAPI 3.1 document of /api/v1, built from the app's routes, their operations and the API schemas.

Paths and methods come from Flask's URL map, so a route is documented where it is served; what each
operation takes and returns comes from its ``@operation`` declaration (or, for routes declared
elsewhere, from callcenter.web.openapi_external). Served publicly at /api/v1/openapi.json.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify
from werkzeug.routing import Rule

from callcenter.web.api_operations import Operation, operation, operation_of
from callcenter.web.api_schemas import SCHEMAS
from callcenter.web.openapi_external import EXTERNAL_OPERATIONS
from callcenter.web.schema_parts import ref
from callcenter.web.webhook_schemas import event_components, webhook_operations

API_PREFIX = "/api/v1/"
SECURITY_SCHEME = "bearerAuth"
_CACHE = "callcenter.openapi"
_PATH_ARG = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

INFO = {
    "title": "callcenter API",
    "version": "1",
    "description": "The front office's CRM: questions with registration numbers and working-day deadlines, "
                   "contacts and the screen-pop, calls, topics; and the office calendar. Errors share one "
                   "envelope: {error, message, fields}. A browser session may call the same endpoints "
                   "(with its CSRF token on writes).",
}
PATH_PARAMETERS = {
    "reg_no": "Registration number, e.g. 2026-4821-7730-56 (spaces, dashes or dots allowed).",
    "contact_id": "The contact's id.",
    "call_id": "The telephony system's id of the call.",
}
ERRORS = {
    400: "Unreadable input: not JSON, a wrong type, a missing or unknown field (named in `fields`).",
    401: "No valid bearer token (`Authorization: Bearer cc_…`) or session.",
    403: "The token or session lacks a scope this needs.",
    404: "Nothing of that name or id.",
    409: "Conflicts with the current state (a status the question cannot take, a taken code…).",
    422: "Well-formed but breaks a rule (named in `fields`), e.g. mistyped-registration-number.",
}
_INT_CONVERTERS = {"int"}

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
@operation(Operation("This OpenAPI 3.1 document", "Meta", {200: "OpenApiDocument"}))
def document() -> Response:
    return jsonify(openapi_document(current_app))


def openapi_document(app: Flask) -> dict[str, Any]:
    """Return the document of ``app``'s API, built once per app (routes do not change once it runs)."""
    if _CACHE not in app.extensions:
        app.extensions[_CACHE] = build_document(app)
    return app.extensions[_CACHE]  # type: ignore[no-any-return]


def build_document(app: Flask) -> dict[str, Any]:
    """Build the document from the routes under /api/v1 that declare an operation."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(api_rules(app), key=lambda r: r.rule):
        op = documented_operation(app, rule.endpoint)
        if op is None:
            continue
        verbs = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for verb in verbs:
            operation_id = rule.endpoint.replace(".", "_") + (f"_{verb.lower()}" if len(verbs) > 1 else "")
            paths.setdefault(openapi_path(rule.rule), {})[verb.lower()] = _operation(op, rule, operation_id)
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "paths": paths,
        "webhooks": webhook_operations(),  # what subscribed systems receive (callcenter.web.api_webhooks)
        "components": {
            "schemas": {**SCHEMAS, **event_components()},
            "securitySchemes": {SECURITY_SCHEME: {"type": "http", "scheme": "bearer",
                                                  "description": "A token from `callcenter tokens`."}},
        },
    }


def api_rules(app: Flask) -> list[Rule]:
    """Return every URL rule the app serves under /api/v1."""
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX)]


def undocumented(app: Flask) -> list[str]:
    """Name the endpoints under /api/v1 that declare no operation (they are missing from the document)."""
    return sorted({r.endpoint for r in api_rules(app) if documented_operation(app, r.endpoint) is None})


def documented_operation(app: Flask, endpoint: str) -> Operation | None:
    return operation_of(app.view_functions[endpoint]) or EXTERNAL_OPERATIONS.get(endpoint)


def openapi_path(flask_rule: str) -> str:
    """Spell a Flask rule the OpenAPI way: ``/questions/<reg_no>`` -> ``/questions/{reg_no}``."""
    return _PATH_ARG.sub(lambda m: "{" + m.group("name") + "}", flask_rule)


def _operation(op: Operation, rule: Rule, operation_id: str) -> dict[str, Any]:
    path_params = [(m.group("name"), m.group("converter")) for m in _PATH_ARG.finditer(rule.rule)]
    described: dict[str, Any] = {
        "operationId": operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "security": [{SECURITY_SCHEME: list(op.scopes)}] if op.scopes else [],
        "responses": _responses(op, has_input=bool(op.body or op.query or path_params),
                                has_path=bool(path_params)),
    }
    if op.description:
        described["description"] = op.description
    parameters = [_path_parameter(name, converter) for name, converter in path_params]
    parameters += [_query_parameter(p.name, p.schema, p.description, p.required) for p in op.query]
    if parameters:
        described["parameters"] = parameters
    if op.body:
        described["requestBody"] = {"required": op.body_required,
                                    "content": {"application/json": {"schema": ref(op.body)}}}
    return {**described, **op.extra}


def _responses(op: Operation, *, has_input: bool, has_path: bool) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, schema in op.responses.items():
        content = {"content": {"application/json": {"schema": ref(schema)}}} if schema else {}
        responses[str(status)] = {"description": "Success.", **content}
    statuses = set(op.errors) | ({400} if has_input else set()) | ({404} if has_path else set())
    statuses |= {401, 403} if op.scopes else set()
    for status in sorted(statuses):
        responses[str(status)] = {"description": ERRORS[status],
                                  "content": {"application/json": {"schema": ref("Error")}}}
    return responses


def _path_parameter(name: str, converter: str | None) -> dict[str, Any]:
    schema = {"type": "integer", "minimum": 1} if converter in _INT_CONVERTERS else {"type": "string"}
    return {"name": name, "in": "path", "required": True, "schema": schema,
            "description": PATH_PARAMETERS.get(name, name)}


def _query_parameter(name: str, schema: Any, description: str, required: bool) -> dict[str, Any]:
    parameter = {"name": name, "in": "query", "required": required, "schema": dict(schema),
                 "description": description}
    if schema.get("type") == "array":
        parameter.update(style="form", explode=False)
    return parameter
