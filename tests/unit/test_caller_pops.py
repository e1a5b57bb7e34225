"""The caller's screen-pop cache: who is calling is read on its own, or taken from a fresh screen-pop."""

from __future__ import annotations

from typing import Any

from callcenter.domain.errors import InvalidInput
from callcenter.services.caller_pops import CallerPops, contact_languages, exact_contact


class CountingLookup:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def lookup(self, number: str) -> dict[str, Any]:
        self.calls.append(("lookup", number))
        if number == "anonymous":
            raise InvalidInput("not a number")
        return {"number": number, "contacts": [{"id": 7, "language": "nl", "match": "exact", "name": "Jan"}],
                "display": number}

    def callers(self, number: str) -> dict[str, Any]:
        self.calls.append(("callers", number))
        if number == "anonymous":
            raise InvalidInput("not a number")
        return {"number": number, "contacts": [{"id": 7, "language": "nl", "match": "exact"}]}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_who_is_calling_is_read_once_on_its_own_then_the_screen_pop_when_it_is_sent() -> None:
    lookup, clock = CountingLookup(), Clock()
    pops = CallerPops(lookup, cache_s=30, monotonic=clock)
    who = pops.callers("+32471123456")
    assert (exact_contact(who), contact_languages(who)) == (7, ["nl"])
    assert pops.callers("+32471123456") is who  # the call's next rounds
    assert pops.get("+32471123456")["contacts"][0]["name"] == "Jan"
    assert lookup.calls == [("callers", "+32471123456"), ("lookup", "+32471123456")]


def test_who_is_calling_comes_from_a_fresh_screen_pop_and_is_read_again_once_stale() -> None:
    lookup, clock = CountingLookup(), Clock()
    pops = CallerPops(lookup, cache_s=30, monotonic=clock)
    pop = pops.get("+32471123456")
    assert pops.callers("+32471123456") is pop
    clock.now += 31
    assert pops.callers("+32471123456")["contacts"] == [{"id": 7, "language": "nl", "match": "exact"}]
    assert lookup.calls == [("lookup", "+32471123456"), ("callers", "+32471123456")]


def test_a_number_that_is_no_number_is_nobody() -> None:
    pops = CallerPops(CountingLookup())
    assert pops.callers("anonymous")["unknown"] is True and pops.callers("anonymous")["contacts"] == []
    assert pops.get("anonymous")["unknown"] is True
