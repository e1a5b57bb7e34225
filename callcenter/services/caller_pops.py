"""The caller's screen-pop, looked up once per call and reused by its rounds; what routing learns from it.

Routing decides on who the number belongs to (``callers``: their ids, languages and how sure the match
is, one statement); the screen-pop with open questions and last calls (``get``) is built when it is
sent. A number that is no number (anonymous, an internal extension) pops as "unknown number".
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
        # (number, full): the screen-pop (full) or who the number belongs to.
        self._cache: OrderedDict[tuple[str, bool], tuple[float, JsonDict]] = OrderedDict()

    def get(self, number: str) -> JsonDict:
        """Return the screen-pop payload of ``number``, from the cache when it is fresh."""
        return self._cached((number, True)) or self._keep((number, True), self._fresh(number, full=True))

    def callers(self, number: str) -> JsonDict:
        """Return who ``number`` belongs to (``contacts`` with id, language and match): read from a
        fresh screen-pop of the number when there is one, else on its own and kept as long."""
        return (self._cached((number, True)) or self._cached((number, False))
                or self._keep((number, False), self._fresh(number, full=False)))

    def _cached(self, key: tuple[str, bool]) -> JsonDict | None:
        with self._lock:
            cached = self._cache.get(key)
        return cached[1] if cached is not None and cached[0] > self._monotonic() else None

    def _keep(self, key: tuple[str, bool], payload: JsonDict) -> JsonDict:
        with self._lock:
            self._cache[key] = (self._monotonic() + self._cache_s, payload)
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return payload

    def _fresh(self, number: str, *, full: bool) -> JsonDict:
        try:
            return self._lookup.lookup(number) if full else self._lookup.callers(number)
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
