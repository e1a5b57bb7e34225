"""Registration numbers: every single-digit typo and adjacent swap is caught; numbers are not sequential."""

from __future__ import annotations

import random

import pytest

from callcenter.domain.errors import InvalidInput, RuleViolation
from callcenter.domain.registration import (
    MistypedRegistrationNumber,
    RegistrationNumber,
    check_digits,
    new_registration_number,
    parse_registration_number,
)


def _samples(count: int = 200) -> list[RegistrationNumber]:
    rng = random.Random(97)
    return [new_registration_number(rng.choice([2025, 2026, 2027]), rng.randrange) for _ in range(count)]


def _is_accepted(digits: str) -> bool:
    try:
        parse_registration_number(digits)
    except MistypedRegistrationNumber:
        return False
    return True


def test_a_number_reads_back_in_every_spelling() -> None:
    number = new_registration_number(2026, lambda _: 48217730)
    assert str(number) == f"2026-4821-7730-{check_digits('202648217730')}"
    for spelling in (str(number), number.digits, str(number).replace("-", " "), str(number).replace("-", "."),
                     f"  {number.digits[:4]} / {number.digits[4:]} "):
        assert parse_registration_number(spelling) == number
    assert number.year == 2026


def test_every_single_digit_typo_is_reported_as_mistyped() -> None:
    for number in _samples():
        for i, original in enumerate(number.digits):
            for typed in "0123456789":
                if typed != original:
                    assert not _is_accepted(number.digits[:i] + typed + number.digits[i + 1:])


def test_every_swap_of_adjacent_digits_is_reported_as_mistyped() -> None:
    for number in _samples():
        d = number.digits
        for i in range(len(d) - 1):
            if d[i] != d[i + 1]:
                assert not _is_accepted(d[:i] + d[i + 1] + d[i] + d[i + 2:])


def test_a_dropped_or_extra_digit_is_mistyped_and_letters_are_not_a_number() -> None:
    digits = _samples(1)[0].digits
    with pytest.raises(MistypedRegistrationNumber) as caught:
        parse_registration_number(digits[:-1])
    assert isinstance(caught.value, RuleViolation)
    assert caught.value.code == "mistyped-registration-number"
    assert caught.value.fields == {"registration_number": "mistyped"}
    with pytest.raises(MistypedRegistrationNumber):
        parse_registration_number(digits + "7")
    with pytest.raises(InvalidInput):
        parse_registration_number("2026-ABCD-7730-56")


def test_numbers_are_random_not_sequential() -> None:
    numbers = [new_registration_number(2026) for _ in range(500)]
    bodies = sorted(int(n.digits[4:12]) for n in numbers)
    assert len(set(bodies)) == len(bodies)
    gaps = [b - a for a, b in zip(bodies, bodies[1:], strict=False)]
    # Sequential numbers would sit one apart; 500 draws among 10^8 leave typical gaps near 200,000.
    assert sum(1 for g in gaps if g < 10) <= 2
    assert max(bodies) - min(bodies) > 10**7


def test_the_year_prefix_is_the_year_of_receipt() -> None:
    assert new_registration_number(2027).digits.startswith("2027")
    with pytest.raises(ValueError):
        new_registration_number(20261)
