"""REST API operations: one declaration per handler feeds its guard, its input checks and the API document.

``@operation(Operation(...))`` under ``@bp.get(...)`` requires the operation's scopes (none: public)
and records the operation on the view; ``body()`` and ``query()`` read the current request with the
operation's schemas, so the published document and the checks made cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from flask import current_app, request

from callcenter.domain.errors import InvalidInput
from callcenter.domain.identity import Forbidden
from callcenter.domain.questions import SYSTEM, Actor
from callcenter.web.api_validation import check, check_value
from callcenter.web.auth import current_principal, require_scope

F = TypeVar("F", bound=Callable[..., Any])
OPERATION_ATTR = "api_operation"


@dataclass(frozen=True)
class Param:
    """A query parameter; arrays are sent comma-separated (OpenAPI form style, explode false)."""

    name: str
    schema: Mapping[str, Any]
    description: str
    required: bool = False


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    responses: Mapping[int, str | None]  # status -> component schema name (None: no body)
    scopes: tuple[str, ...] = ()  # every one is required; empty: public
    body: str | None = None  # component schema name of the JSON body
    body_required: bool = True
    query: tuple[Param, ...] = ()
    errors: tuple[int, ...] = ()  # statuses beyond those implied (401/403 by scopes, 400, 404 by path)
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)  # more OpenAPI operation fields


def operation(op: Operation) -> Callable[[F], F]:
    """Guard the view with the operation's scopes and record the operation for the OpenAPI document."""

    def decorate(view: F) -> F:
        guarded = require_scope(*op.scopes)(view) if op.scopes else view
        setattr(guarded, OPERATION_ATTR, op)
        return guarded

    return decorate


def operation_of(view: Callable[..., Any]) -> Operation | None:
    """Return the operation recorded on a view function, if any."""
    return getattr(view, OPERATION_ATTR, None)


def body() -> dict[str, Any]:
    """Return the JSON object of the request, checked against the operation's body schema."""
    op = _current()
    if op.body is None:
        raise RuntimeError(f"{request.endpoint} declares no body schema")
    if not request.get_data(cache=True) and not op.body_required:
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object (Content-Type: application/json).")
    check(op.body, data)
    return data


def query() -> dict[str, Any]:
    """Return the query parameters read as their schemas say, after checking every one of them."""
    op = _current()
    known = {p.name: p for p in op.query}
    problems = {name: "unknown parameter" for name in request.args if name not in known}
    values: dict[str, Any] = {}
    for param in op.query:
        raw = request.args.get(param.name)
        if raw is None or raw == "":
            if param.required:
                problems[param.name] = "required"
            continue
        try:
            values[param.name] = check_value(param.name, param.schema, _coerce(raw, param))
        except InvalidInput as exc:
            problems.update(exc.fields)
    if problems:
        raise InvalidInput(f"The query has invalid parameters: {', '.join(sorted(problems))}.", problems)
    return values


def acting() -> Actor:
    """Return who acts for the history: the principal's user, or the system for an integration token."""
    user_id = current_principal().user_id
    return SYSTEM if user_id is None else user_id


def require_also(scope: str) -> None:
    """Refuse the request unless its principal also holds ``scope`` (for a part of a body that needs it)."""
    if not current_principal().has_scope(scope):
        raise Forbidden(f"This needs the scope {scope!r}.", {"scope": scope})


def instant(value: str | None, name: str) -> datetime | None:
    """Read an RFC 3339 date-time with its offset (the body schemas say ``format: date-time``)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(f"The {name} needs a date, a time and an offset, e.g. 2026-11-26T10:00:00+01:00.",
                           {name: "not a date-time with an offset"})
    return parsed


def _current() -> Operation:
    view = current_app.view_functions[request.endpoint or ""]
    op = operation_of(view)
    if op is None:
        raise RuntimeError(f"{request.endpoint} is not declared with @operation")
    return op


def _coerce(raw: str, param: Param) -> Any:
    kind = param.schema.get("type")
    if kind == "array":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            raise InvalidInput(f"The {param.name} must be a whole number.",
                               {param.name: "not a whole number"}) from None
    if kind == "boolean":
        if raw.lower() not in ("true", "false"):
            raise InvalidInput(f"The {param.name} is true or false.", {param.name: "true or false"})
        return raw.lower() == "true"
    return raw
