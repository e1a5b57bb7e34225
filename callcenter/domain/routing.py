"""The routing engine's rules: queue discipline, caller language, ring rounds, sharing free agents, overflow.

No IVR: within opening hours every caller waits in one first-come-first-served queue, and free agents
are shared among the waiting callers so that as many ring at once as there are free agents. The
earliest caller chooses first; each ringing caller gets a disjoint group of free agents who speak
its language, and the agents nobody else can use join the earliest caller's group (a lone caller
rings every free agent of its language: ring-all). Once a caller has waited a whole round (or the
telephony asks for round 2 or later) its group widens to every free agent. After ``max_wait_s`` the
caller hears "busy". Closed hours are decided before any of this, from the office calendar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from callcenter.domain.contacts import Language
from callcenter.domain.errors import InvalidInput
from callcenter.domain.phone import normalise_phone

CLOSED = "closed"
BUSY = "busy"
PROBE = "probe"  # a call to the test-call probe's number: no agent rung, a test call


@dataclass(frozen=True)
class RoutingPolicy:
    round_timeout_s: int = 20
    max_wait_s: int = 300
    retry_after_s: int = 2
    longest_idle_first: bool = True
    max_targets: int = 0  # 0: ring every agent of the group
    # A waiting caller the telephony has not asked about for this long has gone (hung up unseen).
    stale_after_s: int = 60

    def reservation_s(self) -> int:
        """Return how long a ringing reservation holds without news (a round plus a margin)."""
        return self.round_timeout_s + 10


@dataclass(frozen=True)
class Candidate:
    """A free agent as routing sees it."""

    agent_id: int
    languages: frozenset[str]
    idle_since: datetime | None


@dataclass(frozen=True)
class Waiting:
    """A caller in the queue, not ringing anyone right now."""

    call_id: str
    language: str
    arrived: datetime
    widened: bool  # may ring agents of any language


@dataclass(frozen=True)
class Ring:
    targets: tuple[int, ...]  # agent ids, in ring order
    timeout_s: int
    round: int


@dataclass(frozen=True)
class Wait:
    retry_after_s: int


@dataclass(frozen=True)
class Announce:
    announcement: str  # CLOSED or BUSY
    language: str
    next_open: datetime | None = None


Decision = Ring | Wait | Announce


def waiting(call_id: str, language: str, arrived: datetime, round_: int, now: datetime,
            policy: RoutingPolicy) -> Waiting:
    """Describe a waiting caller; it widens in round 2 or once it has waited a whole round."""
    waited = (now - arrived).total_seconds()
    return Waiting(call_id, language, arrived, round_ > 1 or waited >= policy.round_timeout_s)


def decide(caller: Waiting, others: Sequence[Waiting], free: Sequence[Candidate], round_: int,
           now: datetime, policy: RoutingPolicy) -> Decision:
    """Decide what ``caller`` hears now: ring its share of the free agents, wait, or busy."""
    waited = (now - caller.arrived).total_seconds()
    if waited >= policy.max_wait_s:
        return Announce(BUSY, caller.language)
    queue = [w for w in others if w.call_id != caller.call_id] + [caller]
    targets = plan_round(queue, free, policy).get(caller.call_id, [])
    if targets:
        return Ring(tuple(targets), policy.round_timeout_s, round_)
    left = policy.max_wait_s - waited
    return Wait(max(1, min(policy.retry_after_s, int(left) or 1)))


def plan_round(queue: Sequence[Waiting], free: Sequence[Candidate],
               policy: RoutingPolicy) -> dict[str, list[int]]:
    """Share the free agents among the waiting callers: call id -> agent ids to ring, disjoint."""
    callers = sorted(queue, key=lambda w: (w.arrived, w.call_id))
    agents = order_agents(free, policy)
    eligible = {c.call_id: [a.agent_id for a in agents if c.widened or c.language in a.languages]
                for c in callers}
    groups = {call_id: [agent] for agent, call_id in _match(callers, eligible).items()}
    taken = {agents[0] for agents in groups.values()}
    for agent in (a.agent_id for a in agents if a.agent_id not in taken):
        for caller in callers:
            group = groups.get(caller.call_id)
            if group is not None and agent in eligible[caller.call_id] and _room(group, policy):
                group.append(agent)
                break
    rank = {a.agent_id: i for i, a in enumerate(agents)}
    return {call_id: sorted(group, key=rank.__getitem__) for call_id, group in groups.items()}


def order_agents(free: Sequence[Candidate], policy: RoutingPolicy) -> list[Candidate]:
    """Order free agents: longest idle first when the policy says so, else by agent id."""
    if not policy.longest_idle_first:
        return sorted(free, key=lambda a: a.agent_id)
    return sorted(free, key=lambda a: (a.idle_since is None,
                                       a.idle_since.timestamp() if a.idle_since else 0.0,
                                       a.agent_id))


def caller_language(contact_languages: Sequence[str], dialled: str, service_numbers: Mapping[str, str],
                    default: str) -> str:
    """Return the caller's language: the CRM contact's, else the dialled service number's, else default."""
    known = set(contact_languages)
    if len(known) == 1:  # one contact, or several (a shared number) who all speak the same language
        return known.pop()
    return service_numbers.get(dialled, default)


def parse_service_numbers(text: str) -> dict[str, str]:
    """Read the service_numbers setting: ``+3225088586=fr,+3225088587=nl`` (number=language, E.164)."""
    mapping: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        number, sep, language = item.partition("=")
        if not sep or language.strip().lower() not in _LANGUAGES:
            raise InvalidInput(f"The service number entry {item!r} is not NUMBER=LANGUAGE (fr, nl, de, en).",
                               {"service_numbers": "NUMBER=LANGUAGE, …"})
        mapping[normalise_phone(number, field="service_numbers")] = language.strip().lower()
    return mapping


def check_language(value: str, field: str) -> str:
    """Return a language code of ours (fr, nl, de, en), or raise InvalidInput naming ``field``."""
    code = value.strip().lower()
    if code not in _LANGUAGES:
        raise InvalidInput(f"{value!r} is not one of fr, nl, de, en.", {field: "fr, nl, de or en"})
    return code


_LANGUAGES = frozenset(language.value for language in Language)


def _room(group: list[int], policy: RoutingPolicy) -> bool:
    return policy.max_targets <= 0 or len(group) < policy.max_targets


def _match(callers: Sequence[Waiting], eligible: Mapping[str, list[int]]) -> dict[int, str]:
    """Match one agent to as many callers as possible, earlier callers first: agent id -> call id."""
    owner: dict[int, str] = {}

    def assign(call_id: str, seen: set[int]) -> bool:
        # Augmenting path (Kuhn): take the first agent nobody has, else move an owner to another of
        # theirs. A caller matched once stays matched, so processing callers by arrival keeps the
        # earliest ones served, each with the longest-idle agent it can keep.
        unowned = next((a for a in eligible[call_id] if a not in owner and a not in seen), None)
        if unowned is not None:
            owner[unowned] = call_id
            return True
        for agent in eligible[call_id]:
            if agent in seen:
                continue
            seen.add(agent)
            if assign(owner[agent], seen):
                owner[agent] = call_id
                return True
        return False

    for caller in callers:
        assign(caller.call_id, set())
    return owner
