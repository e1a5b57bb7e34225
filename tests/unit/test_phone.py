"""Phone numbers: every spelling of a number is one E.164 value; garbage is refused with the field named."""

from __future__ import annotations

import pytest

from callcenter.domain.errors import InvalidInput
from callcenter.domain.phone import format_phone, normalise_phone

FRONT_OFFICE = "+3225088586"


@pytest.mark.parametrize("spelling", ["02/508.85.86", "+32 2 508 85 86", "0032 2 508 85 86", "+3225088586",
                                      "02 508 85 86", " (02) 508-85-86 "])
def test_the_front_office_number_spelled_every_way_is_one_number(spelling: str) -> None:
    assert normalise_phone(spelling) == FRONT_OFFICE


@pytest.mark.parametrize(("spelling", "e164"), [
    ("0471 12 34 56", "+32471123456"),  # Belgian mobile
    ("+33 1 42 68 53 00", "+33142685300"),  # Paris
    ("0033 1 42 68 53 00", "+33142685300"),  # Paris dialled from Belgium
    ("+31 20 555 1234", "+31205551234"),  # Amsterdam
    ("+49 30 901820", "+4930901820"),  # Berlin
])
def test_foreign_and_mobile_numbers(spelling: str, e164: str) -> None:
    assert normalise_phone(spelling) == e164


@pytest.mark.parametrize("garbage", ["abc", "", "   ", "12", "02/508", "+32 2 508 85 86 86 86 86", "++32"])
def test_garbage_is_refused_naming_the_field(garbage: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_phone(garbage, field="from_number")
    assert caught.value.fields == {"from_number": "not a phone number"}
    assert caught.value.message == f"'{garbage.strip()}' is not a phone number."


def test_message_quotes_what_was_typed() -> None:
    with pytest.raises(InvalidInput, match="'abc' is not a phone number"):
        normalise_phone("abc")


def test_formatting_is_national_at_home_and_international_abroad() -> None:
    assert format_phone(FRONT_OFFICE) == "02 508 85 86"
    assert format_phone("+33142685300") == "+33 1 42 68 53 00"


def test_a_number_seen_again_gives_the_same_answer_and_a_refusal_names_the_field_asked_about() -> None:
    assert [normalise_phone("02/508.85.86") for _ in range(3)] == [FRONT_OFFICE] * 3  # remembered
    for field in ("from_number", "to_number"):  # the refusal is remembered, not the field it named
        with pytest.raises(InvalidInput) as caught:
            normalise_phone("anonymous", field=field)
        assert caught.value.fields == {field: "not a phone number"}
    assert normalise_phone("0032 2 508 85 86", region="FR") == FRONT_OFFICE
    assert normalise_phone("01 42 68 53 00", region="FR") == "+33142685300"  # the region is part of the key
    assert normalise_phone("02 508 85 86") == FRONT_OFFICE
