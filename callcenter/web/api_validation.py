"""Check JSON input against the API's JSON Schemas and name each problem by its field.

The schemas are the components of the OpenAPI document (callcenter.web.api_schemas); every problem
becomes one entry of the error envelope's ``fields``: ``{"contact.phones[0]": "must be text"}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from callcenter.domain.errors import InvalidInput
from callcenter.web.api_schemas import SCHEMAS

# The components live at this URI for validation, as they live in the OpenAPI document for readers.
BASE_URI = "urn:callcenter:api:v1"
# The formats the schemas use, checked here rather than by optional packages jsonschema may find installed.
FORMATS = FormatChecker(formats=())
_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "object": "an object", "array": "a list", "null": "null"}


def check(schema_name: str, data: Any) -> None:
    """Raise InvalidInput naming every field of ``data`` that does not follow the component schema."""
    problems = field_problems(_validator(schema_name).iter_errors(data))
    if problems:
        raise InvalidInput(f"The request has invalid fields: {', '.join(sorted(problems))}.", problems)


def check_value(name: str, schema: Mapping[str, Any], value: Any) -> Any:
    """Return ``value`` if it follows ``schema``, else raise InvalidInput about ``name``."""
    problems = field_problems(Draft202012Validator(dict(schema)).iter_errors(value), root=name)
    if problems:
        problem = next(iter(problems.values()))  # a list parameter's items are reported as the list
        raise InvalidInput(f"The {name} is not valid: {problem}.", {name: problem})
    return value


def registry() -> Registry[Any]:
    """Return the registry in which ``BASE_URI`` holds the component schemas."""
    return _registry()


def field_problems(errors: Iterable[ValidationError], root: str = "body") -> dict[str, str]:
    """Map validation errors to {field path: problem}, the first problem of each field winning."""
    problems: dict[str, str] = {}
    for error in sorted(errors, key=lambda e: (len(e.absolute_path), str(e.absolute_path))):
        for name, problem in _describe(error, root):
            problems.setdefault(name, problem)
    return problems


@lru_cache(maxsize=1)
def _registry() -> Registry[Any]:
    resource = DRAFT202012.create_resource({"components": {"schemas": SCHEMAS}})
    return Registry().with_resource(BASE_URI, resource)


@cache
def _validator(schema_name: str) -> Draft202012Validator:
    if schema_name not in SCHEMAS:
        raise KeyError(f"no API schema named {schema_name!r}")
    return Draft202012Validator({"$ref": f"{BASE_URI}#/components/schemas/{schema_name}"},
                                registry=_registry(), format_checker=FORMATS)


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    """RFC 3339: a date, a time and an offset (Z or ±hh:mm)."""
    return not isinstance(value, str) or ("T" in value.upper()
                                          and datetime.fromisoformat(value).tzinfo is not None)


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or (len(value) == 10 and bool(date.fromisoformat(value)))


def _describe(error: ValidationError, root: str) -> list[tuple[str, str]]:
    here = _path(error.absolute_path, root)
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [name for name in expected if isinstance(instance, dict) and name not in instance]
        return [(_join(here, name, root), "required") for name in missing]
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        return [(_join(here, name, root), "unknown field") for name in instance if name not in known]
    return [(here, _problem(str(kind), expected, instance, error.message))]


def _problem(kind: str, expected: Any, instance: Any, message: str) -> str:
    if kind == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return "must be " + " or ".join(_TYPE_WORDS.get(k, k) for k in kinds)
    if kind == "enum":
        return "one of " + ", ".join(str(v) for v in expected)
    if kind == "minLength":
        return "required" if instance == "" else f"at least {expected} characters"
    words = {"maxLength": f"at most {expected} characters", "minimum": f"at least {expected}",
             "maximum": f"at most {expected}", "maxItems": f"at most {expected} items",
             "minItems": f"at least {expected} items", "format": f"not a {expected}",
             "pattern": "not in the expected form", "minProperties": "nothing to change"}
    return words.get(kind, message)


def _path(parts: Iterable[Any], root: str) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or root


def _join(parent: str, name: str, root: str) -> str:
    return name if parent == root else f"{parent}.{name}"
