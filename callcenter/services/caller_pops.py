"""The caller's screen-pop, looked up once per call and reused by its rounds; what routing learns from it.

A number that is no number (anonymous, an internal extension) pops as "unknown number".
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from callcenter.domain.errors import InvalidInput
from callcenter.services.routing_ports import CallerLookup, JsonDict

CACHE_S = 30.0  # a ring round lasts 20 s: round 2 of a call reuses the lookup of round 1
CACHE_SIZE = 1000


class CallerPops:
    def __init__(self, lookup: CallerLookup, *, cache_s: float = CACHE_S,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._lookup = lookup
        self._cache_s = cache_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[float, JsonDict]] = OrderedDict()

    def get(self, number: str) -> JsonDict:
        """Return the screen-pop payload of ``number``, from the cache when it is fresh."""
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(number)
            if cached is not None and cached[0] > now:
                return cached[1]
        payload = self._fresh(number)
        with self._lock:
            self._cache[number] = (now + self._cache_s, payload)
            self._cache.move_to_end(number)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return payload

    def _fresh(self, number: str) -> JsonDict:
        try:
            return self._lookup.lookup(number)
        except InvalidInput:
            return {"number": number, "display": number, "unknown": True, "organisations": [], "contacts": [],
                    "more_contacts": False, "last_calls_from_number": None}


def exact_contact(pop: JsonDict) -> int | None:
    """Return the id of the one contact that gave this number, if the lookup found exactly that."""
    contacts = pop.get("contacts", [])
    if len(contacts) == 1 and contacts[0].get("match") == "exact":
        return int(contacts[0]["id"])
    return None


def contact_languages(pop: JsonDict) -> list[str]:
    return [str(c["language"]) for c in pop.get("contacts", []) if c.get("language")]
