"""API input checks: every problem is named by its field path, the way the error envelope reports it."""

from __future__ import annotations

import pytest

from callcenter.domain.errors import InvalidInput
from callcenter.web.api_validation import check, check_value


def _fields(schema: str, data: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        check(schema, data)
    return caught.value.fields


def test_nested_fields_are_named_by_their_path() -> None:
    assert _fields("NewQuestion", {"channel": "pigeon", "contact": {"name": "", "phones": ["x", 1]},
                                   "owner_user_id": 0, "extra": 1}) == {
        "channel": "one of phone, email, web, letter, fax", "contact.name": "required",
        "contact.phones[1]": "must be text", "owner_user_id": "at least 1", "extra": "unknown field"}


def test_required_fields_and_conditional_ones() -> None:
    assert _fields("NewQuestion", {}) == {"channel": "required"}
    assert _fields("NewEvent", {"kind": "call_linked"}) == {"call_id": "required"}
    assert _fields("QuestionPatch", {}) == {"body": "nothing to change"}
    assert _fields("NewQuestion", {"channel": "phone", "received_at": "2026-11-26T10:00"}) == {
        "received_at": "not a date-time"}
    check("NewQuestion", {"channel": "phone", "received_at": "2026-11-26T10:00:00+01:00", "topic": None})


def test_a_body_that_is_not_an_object_is_named_body() -> None:
    assert _fields("Close", ["note"]) == {"body": "must be an object"}


def test_query_values_are_reported_under_the_parameter_name() -> None:
    schema = {"type": "array", "items": {"enum": ["a", "b"]}}
    assert check_value("status", schema, ["a"]) == ["a"]
    with pytest.raises(InvalidInput) as caught:
        check_value("status", schema, ["a", "c"])
    assert caught.value.fields == {"status": "one of a, b"}
