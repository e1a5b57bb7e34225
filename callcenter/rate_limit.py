"""Per-client attempt limits: a fixed window counted in Redis, or in this process when there is no Redis.

A fixed window (``limit`` attempts per ``window_s`` seconds, windows aligned on the clock) is one INCR
and one EXPIRE per attempt and shared by every web worker. Clients are keyed by an HMAC of their
address under the app's secret key, so that Redis never holds the addresses of citizens.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import threading
from typing import Any

import redis

from callcenter.redis_connection import with_timeouts
from callcenter.services.ports import Clock
from callcenter.services.public_status import Admission, RateLimiter

log = logging.getLogger(__name__)

REDIS_TIMEOUT_S = 1.0  # a limiter's Redis call gives up after this, without retrying
REDIS_PAUSE_S = 30  # after a Redis failure, count in process this long before trying Redis again
MAX_TRACKED_KEYS = 100_000  # memory bound of the in-process limiter: past it, new clients go uncounted


class InProcessRateLimiter:
    """Counts attempts in this process's memory (a single process, or Redis is unreachable)."""

    def __init__(self, limit: int, window_s: int, clock: Clock, *, secret: str = "") -> None:
        self._limit, self._window_s, self._clock, self._secret = limit, window_s, clock, secret
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> Admission:
        now = self._clock.now().timestamp()
        window = int(now // self._window_s)
        slot = (client_digest(key, self._secret), window)
        with self._lock:
            if slot not in self._counts:
                self._forget_before(window)
            count = self._counts.get(slot, 0) + 1
            if slot in self._counts or len(self._counts) < MAX_TRACKED_KEYS:
                self._counts[slot] = count
        return admission(count, self._limit, window, self._window_s, now)

    def _forget_before(self, window: int) -> None:
        for old in [slot for slot in self._counts if slot[1] < window]:
            del self._counts[old]


class RedisRateLimiter:
    """Counts attempts in Redis, shared by every process; falls back to ``fallback`` while Redis fails."""

    def __init__(self, client: Any, limit: int, window_s: int, clock: Clock, *, secret: str,
                 prefix: str, fallback: RateLimiter) -> None:
        self._redis, self._limit, self._window_s, self._clock = client, limit, window_s, clock
        self._secret, self._prefix, self._fallback = secret, prefix, fallback
        self._paused_until = 0.0

    def hit(self, key: str) -> Admission:
        now = self._clock.now().timestamp()
        window = int(now // self._window_s)
        name = f"{self._prefix}:{client_digest(key, self._secret)}:{window}"
        if now < self._paused_until:
            return self._fallback.hit(key)
        try:
            pipe = self._redis.pipeline(transaction=True)
            pipe.incr(name)
            pipe.expire(name, self._window_s + 1)
            count = int(pipe.execute()[0])
        except (redis.RedisError, OSError) as exc:
            # Keep limiting while Redis is away rather than failing the page or letting everyone in,
            # and leave it alone for a while: each citizen's lookup must not wait for its timeout.
            log.warning("rate limiter: Redis unavailable (%s); counting in this process for %d s",
                        exc, REDIS_PAUSE_S)
            self._paused_until = now + REDIS_PAUSE_S
            return self._fallback.hit(key)
        return admission(count, self._limit, window, self._window_s, now)


def build_rate_limiter(client: Any, clock: Clock, *, limit: int, window_s: int, secret: str,
                       prefix: str) -> RateLimiter:
    """Count in Redis when the process has a client, else in this process."""
    local = InProcessRateLimiter(limit, window_s, clock, secret=secret)
    if client is None:
        return local
    quick = with_timeouts(client, REDIS_TIMEOUT_S)
    return RedisRateLimiter(quick, limit, window_s, clock, secret=secret, prefix=prefix, fallback=local)


def admission(count: int, limit: int, window: int, window_s: int, now: float) -> Admission:
    """Admit the ``count``-th attempt of a window, or say how long until the next window starts."""
    if count <= limit:
        return Admission(True)
    return Admission(False, max(1, math.ceil((window + 1) * window_s - now)))


def client_digest(key: str, secret: str) -> str:
    """Return a stable pseudonym of a client address (HMAC-SHA256 under ``secret``)."""
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()[:32]
