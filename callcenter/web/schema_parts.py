"""Small builders for the API's JSON Schemas (2020-12), so that each schema reads as its fields."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

Schema = dict[str, Any]

ID: Schema = {"type": "integer", "minimum": 1}
INSTANT: Schema = {"type": "string", "format": "date-time"}
DAY: Schema = {"type": "string", "format": "date"}
BOOL: Schema = {"type": "boolean"}
STRING: Schema = {"type": "string"}
_PLAIN_KEYS = {"type", "description", "minLength", "maxLength", "minimum", "format"}


def text(max_length: int, description: str = "", *, min_length: int = 0) -> Schema:
    schema: Schema = {"type": "string", "maxLength": max_length}
    if min_length:
        schema["minLength"] = min_length
    return {**schema, "description": description} if description else schema


def choice(kind: type[StrEnum] | Sequence[str], description: str = "") -> Schema:
    values = [m.value for m in kind] if isinstance(kind, type) else list(kind)
    schema: Schema = {"type": "string", "enum": values}
    return {**schema, "description": description} if description else schema


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    """Allow null besides ``schema`` (a plain type gets a type list, anything else an anyOf)."""
    if "type" in schema and set(schema) <= _PLAIN_KEYS:
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: Schema, description: str = "") -> Schema:
    schema: Schema = {"type": "array", "items": items}
    return {**schema, "description": description} if description else schema


def obj(*, required: Sequence[str] = (), description: str = "", strict: bool = True,
        extra: Schema | None = None, **properties: Schema) -> Schema:
    """An object of ``properties``; strict refuses (or, for responses, documents as absent) other keys."""
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if strict:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return {**schema, **(extra or {})}


def closed(**properties: Schema) -> Schema:
    """A response object: every property is always present (null when there is no value)."""
    return obj(required=tuple(properties), **properties)
