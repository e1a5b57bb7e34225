"""Presence and CTI job tasks: the end of a wrap-up (scheduled at its end), pruning old CTI request ids."""

from __future__ import annotations

from callcenter.jobs import runtime


def finish_wrap_up(agent_id: int) -> str:
    """Record that the agent's wrap-up is over; return the agent's status now."""
    return str(runtime.services().presence.finish_wrap_up(agent_id).status.value)


def prune_cti_requests() -> int:
    """Forget CTI request and event ids answered long ago; return how many."""
    return int(runtime.services().call_lifecycle.prune_requests())
