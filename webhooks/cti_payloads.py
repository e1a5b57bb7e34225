"""CTI payloads: their JSON Schemas (webhooks/schemas/*.json), enforced on input; the values they become."""

from __future__ import annotations

import functools
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from callcenter.domain.call_events import CallEvent, CallEventKind, RouteRequest
from callcenter.domain.calls import Direction
from callcenter.domain.errors import InvalidInput

SCHEMAS = Path(__file__).resolve().parent / "schemas"
ZAMMAD_DIRECTIONS = {"in": Direction.INBOUND, "out": Direction.OUTBOUND}


@functools.cache
def schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema ``webhooks/schemas/<name>.json``."""
    return dict(json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8")))


@functools.cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name), format_checker=FormatChecker())


def validate(name: str, data: Any) -> dict[str, Any]:
    """Return ``data`` if it follows the schema ``name``, else raise InvalidInput naming every bad field."""
    errors = sorted(_validator(name).iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return dict(data)
    fields = {_field(error): error.message for error in errors}
    raise InvalidInput(f"The request does not follow {name}.json: {', '.join(sorted(fields))}.", fields)


def route_request(body: dict[str, Any]) -> RouteRequest:
    data = validate("cti-route-request", body)
    return RouteRequest(data["call_id"], data["request_id"], data["from"], data["to"], data["round"],
                        bool(data.get("test", False)), int(data.get("max_targets", 0)))


def call_event(body: dict[str, Any]) -> CallEvent:
    data = validate("cti-event-request", body)
    return CallEvent(data["event_id"], CallEventKind(data["event"]), data["call_id"], data.get("from"),
                     data.get("to"), data.get("agent"), data.get("cause"), _time(data.get("at")),
                     Direction(data.get("direction", "inbound")), bool(data.get("test", False)))


def zammad_event(form: dict[str, str], integration: str) -> CallEvent:
    """Read a Zammad generic-CTI event; the integration's name keeps its event ids apart from others'."""
    data = validate("zammad-event", form)
    kind = CallEventKind(data["event"])
    # Zammad's hangup ends the call; the answering user it may carry is not a leg to end.
    named = data.get("answeringNumber") or data.get("user") or None
    agent = None if kind is CallEventKind.HANGUP else named
    return CallEvent(f"zammad:{integration}:{data['callId']}:{kind.value}", kind, data["callId"],
                     _zammad_number(data.get("from")), _zammad_number(data.get("to")), agent,
                     data.get("cause") or None, None, ZAMMAD_DIRECTIONS.get(data.get("direction", "in"),
                                                                          Direction.INBOUND))


def _zammad_number(value: str | None) -> str | None:
    """Zammad writes international numbers without '+' (4930609854180): give them back their plus."""
    if not value:
        return None
    text = value.strip()
    return f"+{text}" if text.isdigit() and not text.startswith("0") and len(text) >= 8 else text


def _time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{text!r} is not an ISO 8601 date and time.",
                           {"at": "ISO 8601 with offset"}) from None
    if value.tzinfo is None:
        raise InvalidInput("The time needs an offset (e.g. 2026-11-26T10:00:00+01:00).",
                           {"at": "needs an offset"})
    return value


def _field(error: Any) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":  # name the missing property, not the object holding it
        missing = error.message.split("'")[1] if "'" in error.message else "body"
        return f"{path}.{missing}" if path else missing
    return path or "body"
