"""Phones' registrations in Redis, shared by every node: who is registered until when.

Keys: ``cc:sip:registered`` (hash: SIP user -> end of registration, Unix seconds) and
``cc:sip:seeded`` (set once the hash was filled from the database: a Redis restarted empty lacks it,
and routing must then read the database rather than believe nobody is registered).
"""

from __future__ import annotations

from datetime import UTC, datetime

from redis import Redis, RedisError

from callcenter.live.presence_store import PREFIX
from callcenter.services.sip_ports import RegistrationCacheUnavailable


class RedisRegistrationCache:
    def __init__(self, redis: Redis, prefix: str = PREFIX) -> None:
        self._redis = redis
        self._key = f"{prefix}sip:registered"
        self._seeded = f"{prefix}sip:seeded"

    def save(self, sip_user: str, until: datetime | None) -> None:
        try:
            if until is None:
                self._redis.hdel(self._key, sip_user)
            else:
                self._redis.hset(self._key, sip_user, until.timestamp())
        except RedisError as exc:
            raise RegistrationCacheUnavailable(str(exc)) from exc

    def fill(self, registered: dict[str, datetime]) -> None:
        """Put the database's registrations in, keeping any newer one saved meanwhile."""
        try:
            with self._redis.pipeline() as pipe:
                for user, until in registered.items():
                    pipe.hsetnx(self._key, user, until.timestamp())
                pipe.set(self._seeded, "1")
                pipe.execute()
        except RedisError as exc:
            raise RegistrationCacheUnavailable(str(exc)) from exc

    def registered_until(self, now: datetime) -> dict[str, datetime]:
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                pipe.exists(self._seeded)
                pipe.hgetall(self._key)
                seeded, raw = pipe.execute()
        except RedisError as exc:
            raise RegistrationCacheUnavailable(str(exc)) from exc
        if not seeded:
            raise RegistrationCacheUnavailable("the registrations are not in Redis yet")
        found = {_text(user): datetime.fromtimestamp(float(until), UTC) for user, until in raw.items()}
        return {user: until for user, until in found.items() if until > now}


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value
