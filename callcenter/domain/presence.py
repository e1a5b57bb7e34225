"""Agent presence: the states, who may change them, and the transitions the routing engine makes.

States: offline, available, ringing (reserved for one call until ``until``), on_call, wrap_up (until
``until``, set after each call), paused (with a reason from a configured list). A ringing reservation
or a wrap-up whose ``until`` has passed *is* availability: ``effective()`` says so, so that no timer is
needed for routing to see the agent free again. ``idle_since`` orders agents for longest-idle-first:
it is when the agent last became free after a call or a pause, and survives an unanswered ringing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from callcenter.domain.errors import Conflict, InvalidInput, RuleViolation


class PresenceStatus(StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    RINGING = "ringing"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


# What an agent (their panel) may choose; the other states are set by calls.
AGENT_SETTABLE = frozenset({PresenceStatus.AVAILABLE, PresenceStatus.PAUSED, PresenceStatus.OFFLINE})
_EXPIRING = frozenset({PresenceStatus.RINGING, PresenceStatus.WRAP_UP})

DEFAULT_PAUSE_REASONS = ("break", "lunch", "meeting", "training", "back_office")
PAUSE_REASON_LABELS: dict[str, dict[str, str]] = {
    "break": {"fr": "Pause", "nl": "Pauze", "de": "Pause", "en": "Break"},
    "lunch": {"fr": "Repas", "nl": "Middagpauze", "de": "Mittagspause", "en": "Lunch"},
    "meeting": {"fr": "Réunion", "nl": "Vergadering", "de": "Besprechung", "en": "Meeting"},
    "training": {"fr": "Formation", "nl": "Opleiding", "de": "Schulung", "en": "Training"},
    "back_office": {"fr": "Travail de back-office", "nl": "Backofficewerk", "de": "Backoffice-Arbeit",
                    "en": "Back-office work"},
}


class AgentOnCall(Conflict):
    """An agent on a call cannot become available or paused before the call ends (HTTP 409)."""

    code = "agent-on-call"


class NotAnAgent(RuleViolation):
    """Presence and routing are for active users with the agent role and a profile (HTTP 422)."""

    code = "not-an-agent"


@dataclass(frozen=True)
class AgentState:
    agent_id: int
    status: PresenceStatus
    since: datetime
    reason: str | None = None  # the pause reason
    until: datetime | None = None  # end of the ringing reservation or of the wrap-up
    call_id: str | None = None  # the call the agent rings for, is on, or wraps up
    idle_since: datetime | None = None

    def effective(self, now: datetime) -> AgentState:
        """Return the state as it is at ``now``: an expired ringing or wrap-up is availability."""
        if self.status in _EXPIRING and self.until is not None and self.until <= now:
            idle = self.idle_since or self.until
            return AgentState(self.agent_id, PresenceStatus.AVAILABLE, self.until, idle_since=idle)
        return self

    def is_free(self, now: datetime) -> bool:
        """Tell whether the agent may be offered a call at ``now``."""
        return self.effective(now).status is PresenceStatus.AVAILABLE


def offline(agent_id: int, at: datetime) -> AgentState:
    """Return the state of an agent nobody has heard of yet."""
    return AgentState(agent_id, PresenceStatus.OFFLINE, at)


def set_by_agent(state: AgentState, status: str, reason: str | None, now: datetime,
                 reasons: Sequence[str]) -> AgentState:
    """Apply the agent's own choice of available, paused (with a listed reason) or offline."""
    wanted = _settable(status)
    reason = _reason(wanted, reason, reasons)
    current = state.effective(now)
    if current.status is wanted and current.reason == reason:
        return current
    if current.status is PresenceStatus.ON_CALL and wanted is not PresenceStatus.OFFLINE:
        raise AgentOnCall("You are on a call: wait until it ends.", {"status": "on a call"})
    if current.status is PresenceStatus.RINGING and wanted is PresenceStatus.AVAILABLE:
        return current  # already being offered a call: nothing to do
    idle = now if wanted is PresenceStatus.AVAILABLE else None
    return AgentState(state.agent_id, wanted, now, reason=reason, idle_since=idle)


def reserve(state: AgentState, call_id: str, now: datetime, until: datetime) -> AgentState | None:
    """Return the agent ringing for ``call_id`` until ``until``, or None if not free at ``now``."""
    current = state.effective(now)
    if current.status is PresenceStatus.RINGING and current.call_id == call_id:
        return replace(current, until=until)
    if current.status is not PresenceStatus.AVAILABLE:
        return None
    return AgentState(state.agent_id, PresenceStatus.RINGING, now, until=until, call_id=call_id,
                      idle_since=current.idle_since or current.since)


def release(state: AgentState, call_id: str, now: datetime) -> AgentState:
    """End the agent's ringing for ``call_id`` (no answer, declined, answered elsewhere, caller gone)."""
    current = state.effective(now)
    if current.status is not PresenceStatus.RINGING or current.call_id != call_id:
        return current
    return AgentState(state.agent_id, PresenceStatus.AVAILABLE, now, idle_since=current.idle_since)


def answer(state: AgentState, call_id: str, now: datetime) -> AgentState:
    """Put the agent on ``call_id``: the telephony says they answered, whatever we thought."""
    current = state.effective(now)
    if current.status is PresenceStatus.ON_CALL and current.call_id == call_id:
        return current
    return AgentState(state.agent_id, PresenceStatus.ON_CALL, now, call_id=call_id)


def end_call(state: AgentState, call_id: str, now: datetime, wrap_up_s: float) -> AgentState:
    """After ``call_id`` ends: its agent wraps up for ``wrap_up_s``; one still ringing is released."""
    current = state.effective(now)
    if current.call_id != call_id:
        return current
    if current.status is PresenceStatus.RINGING:
        return release(current, call_id, now)
    if current.status is not PresenceStatus.ON_CALL:
        return current
    if wrap_up_s <= 0:
        return AgentState(state.agent_id, PresenceStatus.AVAILABLE, now, idle_since=now)
    until = now + timedelta(seconds=wrap_up_s)
    return AgentState(state.agent_id, PresenceStatus.WRAP_UP, now, until=until, call_id=call_id,
                      idle_since=until)


def log_entries(before: AgentState | None, after: AgentState, now: datetime) -> list[AgentState]:
    """Return the changes to log when ``before`` (as stored) became ``after`` at ``now``.

    A ringing or wrap-up that expired unseen is logged as availability from its ``until``, so that
    time-in-state indicators do not count the expired part as ringing or wrap-up.
    """
    if before is None:
        return [after]
    implicit = before.effective(now)
    entries = [implicit] if implicit.status is not before.status else []
    if (after.status, after.reason, after.call_id) != (implicit.status, implicit.reason, implicit.call_id):
        entries.append(after)
    return entries


def parse_pause_reasons(text: str) -> tuple[str, ...]:
    """Read the pause_reasons setting: codes separated by commas (letters, digits, '_' and '-')."""
    codes = tuple(code.strip().lower() for code in text.split(",") if code.strip())
    bad = [c for c in codes if not c.replace("_", "").replace("-", "").isalnum() or len(c) > 40]
    if bad or not codes:
        raise InvalidInput(f"The pause reasons {text!r} are not a comma-separated list of codes.",
                           {"pause_reasons": "codes separated by commas"})
    return codes


def pause_reason_label(code: str, lang: str) -> str:
    """Name a pause reason in ``lang`` (a code without translations is shown as it is)."""
    return PAUSE_REASON_LABELS.get(code, {}).get(lang, code)


def time_in_states(changes: Iterable[tuple[datetime, PresenceStatus]], start: datetime,
                   end: datetime) -> dict[PresenceStatus, float]:
    """Sum the seconds spent in each state within [start, end) from (at, status) changes, oldest first."""
    totals = {status: 0.0 for status in PresenceStatus}
    current, since = PresenceStatus.OFFLINE, start
    for at, status in changes:
        if at >= end:
            break
        if at > start:
            totals[current] += (at - since).total_seconds()
            since = at
        current = status
    if since < end:
        totals[current] += (end - since).total_seconds()
    return totals


def _settable(status: str) -> PresenceStatus:
    try:
        wanted = PresenceStatus(str(status))
    except ValueError:
        wanted = None
    if wanted not in AGENT_SETTABLE:
        choices = ", ".join(sorted(AGENT_SETTABLE))
        raise InvalidInput(f"An agent can set their status to {choices}, not {status!r}.",
                           {"status": f"one of {choices}"})
    assert wanted is not None
    return wanted


def _reason(status: PresenceStatus, reason: str | None, reasons: Sequence[str]) -> str | None:
    if status is not PresenceStatus.PAUSED:
        return None
    if reason not in reasons:
        raise InvalidInput(f"A pause needs one of these reasons: {', '.join(reasons)}.",
                           {"reason": f"one of {', '.join(reasons)}"})
    return reason
