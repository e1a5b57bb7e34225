"""The public status lookup with hand-written fakes: parsing, the second factor, equal work, rate limits."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from types import TracebackType

import pytest

from callcenter.domain import public_status as domain
from callcenter.domain.errors import InvalidInput
from callcenter.domain.public_status import (
    CANDIDATES,
    FactorKind,
    PublicStatus,
    SecondFactor,
    TooManyLookups,
    factor_matches,
    parse_lookup,
    parse_second_factor,
)
from callcenter.domain.questions import Status
from callcenter.domain.registration import MistypedRegistrationNumber, new_registration_number
from callcenter.rate_limit import InProcessRateLimiter, admission, build_rate_limiter
from callcenter.services.clock import FixedClock
from callcenter.services.public_status import Admission, PublicStatusService, StatusRecord

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
NUMBER = str(new_registration_number(2026, lambda _: 48217730))
OTHER = str(new_registration_number(2026, lambda _: 11111111))
STATUS = PublicStatus(NUMBER, Status.IN_PROGRESS, T0, T0 + timedelta(days=4), None, None)


class FakeRepository:
    def __init__(self, records: dict[str, StatusRecord]) -> None:
        self.records = records
        self.asked: list[str] = []

    def by_number(self, registration_number: str) -> StatusRecord | None:
        self.asked.append(registration_number)
        return self.records.get(registration_number)


class FakeUnitOfWork:
    def __init__(self, repository: FakeRepository) -> None:
        self.public_status = repository

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def commit(self) -> None:
        raise AssertionError("a lookup never writes")

    def rollback(self) -> None:
        return None


class FakeLimiter:
    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        self.keys: list[str] = []

    def hit(self, key: str) -> Admission:
        self.keys.append(key)
        return Admission(len(self.keys) <= self.allowed, 42)


def _service(limiter: FakeLimiter | None = None) -> tuple[PublicStatusService, FakeRepository]:
    record = StatusRecord(STATUS, "Anne@Example.be", ("+32471123456", "+3225088586"))
    repository = FakeRepository({NUMBER: record})
    return PublicStatusService(lambda: FakeUnitOfWork(repository), limiter or FakeLimiter(100)), repository


@pytest.mark.parametrize("factor", ["anne@example.be", " ANNE@example.BE ", "0471 12 34 56", "+3225088586",
                                    "02 508 85 86"])
def test_the_contacts_email_or_any_of_its_numbers_shows_the_status(factor: str) -> None:
    service, _ = _service()
    assert service.check(NUMBER, factor) == STATUS


@pytest.mark.parametrize(("number", "factor"), [(NUMBER, "other@example.be"), (NUMBER, "0472 00 00 00"),
                                                (OTHER, "anne@example.be")])
def test_a_wrong_factor_or_an_unknown_number_shows_nothing(number: str, factor: str) -> None:
    service, repository = _service()
    assert service.check(number, factor) is None
    assert repository.asked == [number]  # one read in either case


def test_every_lookup_compares_the_same_number_of_values(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[bytes] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        compared.append(a)
        return real(a, b)

    monkeypatch.setattr(domain.hmac, "compare_digest", counting)
    service, _ = _service()
    for number, factor in [(NUMBER, "anne@example.be"), (NUMBER, "x@example.be"), (OTHER, "x@example.be")]:
        compared.clear()
        service.check(number, factor)
        assert len(compared) == CANDIDATES


def test_numbers_beyond_the_maximum_are_not_compared() -> None:
    phone = SecondFactor(FactorKind.PHONE, "+32471000011")
    many = [f"+324710000{i:02d}" for i in range(CANDIDATES + 2)]
    assert factor_matches(phone, None, many) is False
    assert factor_matches(phone, None, many[:5] + [phone.value]) is True


def test_an_email_never_matches_a_phone_number_of_the_same_spelling() -> None:
    assert factor_matches(SecondFactor(FactorKind.EMAIL, "+32471123456"), None, ["+32471123456"]) is False


def test_a_mistyped_number_alone_is_a_typo_not_unreadable_input() -> None:
    typo = NUMBER[:-1] + str((int(NUMBER[-1]) + 1) % 10)
    with pytest.raises(MistypedRegistrationNumber) as raised:
        parse_lookup(typo, "anne@example.be")
    assert raised.value.fields == {"registration_number": "mistyped"}


@pytest.mark.parametrize(("number", "factor", "fields"), [
    ("", "", {"registration_number": "required", "second_factor": "required"}),
    ("abc", "anne@", {"registration_number": "not a registration number",
                      "second_factor": "not an e-mail address"}),
    ("2026-0000-0000-00", "hello", {"registration_number": "mistyped",
                                    "second_factor": "not an e-mail address or phone number"}),
    ("2026-4821-7730", "anne@example.be", {"registration_number": "wrong length"}),
    ("1" * 300, "2" * 300, {"registration_number": "too long", "second_factor": "too long"}),
])
def test_every_unreadable_field_is_named(number: str, factor: str, fields: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_lookup(number, factor)
    assert raised.value.fields == fields


def test_a_phone_number_is_read_in_e164_and_an_email_case_folded() -> None:
    assert parse_second_factor("0032 471 12 34 56") == SecondFactor(FactorKind.PHONE, "+32471123456")
    assert parse_second_factor(" Anne@Example.BE") == SecondFactor(FactorKind.EMAIL, "anne@example.be")


def test_a_client_over_its_limit_is_refused_before_any_read() -> None:
    limiter = FakeLimiter(allowed=1)
    service, repository = _service(limiter)
    assert service.check(NUMBER, "anne@example.be", client="192.0.2.1") == STATUS
    with pytest.raises(TooManyLookups) as raised:
        service.check(NUMBER, "anne@example.be", client="192.0.2.1")
    assert raised.value.retry_after_s == 42 and repository.asked == [NUMBER]
    assert service.check(NUMBER, "anne@example.be") == STATUS  # a trusted caller is not counted
    assert limiter.keys == ["192.0.2.1", "192.0.2.1"]


def test_the_in_process_limiter_counts_per_client_and_window() -> None:
    clock = FixedClock(datetime(2026, 11, 26, 9, 5, 0, tzinfo=UTC))  # 5 minutes into a 10-minute window
    limiter = InProcessRateLimiter(3, 600, clock, secret="s")
    assert [limiter.hit("a").allowed for _ in range(4)] == [True, True, True, False]
    assert limiter.hit("a") == Admission(False, 300)
    assert limiter.hit("b").allowed
    clock.set(datetime(2026, 11, 26, 9, 10, 0, tzinfo=UTC))  # the next window
    assert limiter.hit("a").allowed
    assert len(limiter._counts) == 1  # the past window is forgotten


def test_admission_rounds_the_wait_up_to_whole_seconds() -> None:
    assert admission(5, 5, 10, 60, 659.0) == Admission(True)
    assert admission(6, 5, 10, 60, 659.2) == Admission(False, 1)
    assert admission(6, 5, 10, 60, 600.0) == Admission(False, 60)


def test_without_redis_the_limiter_counts_in_process() -> None:
    limiter = build_rate_limiter(None, FixedClock(T0), limit=1, window_s=60, secret="s", prefix="p")
    assert isinstance(limiter, InProcessRateLimiter)
