"""The JSON Schemas of the events we send to subscribers: webhooks/schemas/event_<type>.json.

One file per event type, self-contained (no $ref), so that a receiver can validate a body with the
file alone; the OpenAPI document publishes them (callcenter.web.webhook_schemas).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent / "schemas"
_DOCUMENT_ONLY = ("$schema", "$id")  # keys that would re-root references inside the OpenAPI document


def path(event_type: str) -> Path:
    return SCHEMAS / f"event_{event_type.replace('.', '_')}.json"


@functools.cache
def schema(event_type: str) -> dict[str, Any]:
    """Return the schema of an event type's body, as published."""
    return dict(json.loads(path(event_type).read_text(encoding="utf-8")))


def component(event_type: str) -> dict[str, Any]:
    """Return the schema for an OpenAPI component (without $schema and $id)."""
    return {k: v for k, v in schema(event_type).items() if k not in _DOCUMENT_ONLY}


def title(event_type: str) -> str:
    return str(schema(event_type).get("title", event_type))
