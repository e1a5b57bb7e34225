"""Open agent panels in Redis: a sorted set of agent id -> when one of its panels was last seen open.

Shared by every web process, so an agent with panels on two nodes stays online while either is open;
a web process that dies simply stops refreshing its agents, who then age out like closed panels.
"""

from __future__ import annotations

import logging
from datetime import datetime

import redis

log = logging.getLogger(__name__)

PANELS_KEY = "callcenter:live:panels"

# Taking the stale agents and removing them is one step, so two checkers never both act on one agent
# and a panel seen between the read and the removal is not dropped.
_TAKE_STALE = """
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if #stale > 0 then redis.call('ZREM', KEYS[1], unpack(stale)) end
return stale
"""


class RedisPanelRegistry:
    """The PanelRegistry port on one Redis sorted set."""

    def __init__(self, client: redis.Redis | None) -> None:
        self._redis = client  # None: a process built without Redis, which tracks no panel
        self._take_stale = client.register_script(_TAKE_STALE) if client is not None else None

    def seen(self, agent_id: int, at: datetime) -> None:
        """Record that a panel of the agent is open at ``at`` (never moves the time backwards)."""
        if self._redis is None:
            return
        try:
            self._redis.zadd(PANELS_KEY, {str(int(agent_id)): at.timestamp()}, gt=True)
        except (redis.RedisError, OSError) as exc:  # the live stream itself will notice and retry
            log.warning("panel of agent %s not recorded: Redis unavailable (%s)", agent_id, exc)

    def forget(self, agent_id: int) -> None:
        if self._redis is None:
            return
        try:
            self._redis.zrem(PANELS_KEY, str(int(agent_id)))
        except (redis.RedisError, OSError) as exc:  # the periodic check will find it later
            log.warning("panel of agent %s not forgotten: Redis unavailable (%s)", agent_id, exc)

    def take_unseen_since(self, before: datetime) -> list[int]:
        """Remove and return the agents whose panels were last seen before ``before``."""
        if self._take_stale is None:
            return []
        stale = self._take_stale(keys=[PANELS_KEY], args=[repr(before.timestamp())])
        return sorted(int(member) for member in stale)
